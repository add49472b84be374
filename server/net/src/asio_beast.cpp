// The one translation unit that compiles the bodies of Boost.Asio and Boost.Beast
// (see BOOST_ASIO_SEPARATE_COMPILATION in server/CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
