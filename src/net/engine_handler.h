#pragma once
// EngineHandler: what the layer above Engine.IO (the SocketServer) implements to receive a
// session's opening, its messages and its end. Called on the EngineServer's loop; may send on
// or close the session.

#include <memory>
#include <string_view>

namespace quflx::net {

class EngineSession;

class EngineHandler {
 public:
  virtual ~EngineHandler() = default;
  virtual void on_open(const std::shared_ptr<EngineSession>& session) = 0;
  virtual void on_message(const std::shared_ptr<EngineSession>& session, std::string_view data,
                          bool binary) = 0;
  // After the session closed; it sends nothing more.
  virtual void on_close(EngineSession& session, std::string_view reason) = 0;
};

}  // namespace quflx::net
