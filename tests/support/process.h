#pragma once
// Test-harness processes: spawn a program with its output in a log file, signal it, wait
// for it by PID. Used to run the real redis-server, postgres and the built quflx binary.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace quflx::testing {

// A port that was free a moment ago (bound to port 0 and released).
std::uint16_t free_port();

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "quflx-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct SpawnOptions {
  std::string log_path;                  // stdout and stderr; /dev/null if empty
  std::vector<std::string> env;          // extra NAME=value entries
  std::optional<uid_t> uid;              // run as this user (when we are root)
  std::optional<gid_t> gid;
  std::string working_dir;
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const std::vector<std::string>& argv, const SpawnOptions& options);
  ~ChildProcess();  // SIGKILLs and reaps a child that is still running
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Exit status (or 128 + signal) once it exits; empty if still running at the timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void kill9();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Reads a whole file ("" if missing).
std::string read_file(const std::string& path);
// Runs a shell command and returns its stdout (for redis-cli and friends).
std::string run_command(const std::string& command);

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
};
// A blocking HTTP/1.1 GET to 127.0.0.1:port.
HttpResult http_get(std::uint16_t port, const std::string& target);
// A blocking HTTP/1.1 POST to 127.0.0.1:port; `headers` are extra "Name: value" lines.
HttpResult http_post(std::uint16_t port, const std::string& target, const std::string& body,
                     const std::vector<std::string>& headers = {});

}  // namespace quflx::testing
