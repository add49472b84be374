#pragma once
// The rooms in memory, by document name. A session acquires its room (creating and loading it
// if needed) and releases it when it ends; a room may unload only while nobody holds it.
//
// Thread safety: all members may be called from any thread (one mutex). The mutex also guards
// Room::attached_.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "app/context.hpp"
#include "net/net.hpp"

namespace napc::sync {

class Room;

class RoomRegistry {
 public:
  RoomRegistry(net::io_context& ioc, app::Context& ctx) : ioc_(ioc), ctx_(ctx) {}

  std::shared_ptr<Room> acquire(const std::string& document);
  void release(Room& room);
  // Removes `room` if nobody holds it. Returns false (and keeps it) otherwise.
  bool try_remove(Room& room);
  // Removes `room` unconditionally (it failed); holders keep their pointer until they leave.
  void remove(Room& room);
  std::size_t size();
  // After the io_context has stopped (no handler runs any more): every room lets go of its
  // sessions, which hold their room, so that nothing is left in a reference cycle at exit.
  void drop_all();

 private:
  net::io_context& ioc_;
  app::Context& ctx_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Room>> rooms_;
};

}  // namespace napc::sync
