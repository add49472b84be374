#include "sync/room_registry.hpp"

#include "room.hpp"

namespace napc::sync {

std::shared_ptr<Room> RoomRegistry::acquire(const std::string& document) {
  std::shared_ptr<Room> room;
  bool created = false;
  {
    std::lock_guard lock(mutex_);
    auto& slot = rooms_[document];
    if (!slot) {
      slot = std::make_shared<Room>(ioc_, ctx_, *this, document);
      created = true;
    }
    ++slot->attached_;
    room = slot;
  }
  if (created) room->start_loading();
  return room;
}

void RoomRegistry::release(Room& room) {
  std::lock_guard lock(mutex_);
  if (room.attached_ > 0) --room.attached_;
}

bool RoomRegistry::try_remove(Room& room) {
  std::lock_guard lock(mutex_);
  if (room.attached_ > 0) return false;
  const auto it = rooms_.find(room.name());
  if (it != rooms_.end() && it->second.get() == &room) rooms_.erase(it);
  return true;
}

void RoomRegistry::remove(Room& room) {
  std::lock_guard lock(mutex_);
  const auto it = rooms_.find(room.name());
  if (it != rooms_.end() && it->second.get() == &room) rooms_.erase(it);
}

void RoomRegistry::drop_all() {
  std::unordered_map<std::string, std::shared_ptr<Room>> rooms;
  {
    std::lock_guard lock(mutex_);
    rooms.swap(rooms_);
  }
  for (auto& [name, room] : rooms) room->drop_sessions();
}

std::size_t RoomRegistry::size() {
  std::lock_guard lock(mutex_);
  return rooms_.size();
}

}  // namespace napc::sync
