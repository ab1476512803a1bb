// `quflx serve`: resolves the serve options, sets up logging and runs the Service until a
// signal. Exit 2 on a configuration error, else the Service's status.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "app/command.h"
#include "app/serve_options.h"
#include "common/log.h"
#include "server/service.h"

namespace quflx {

Command add_serve_command(CLI::App& app) {
  auto* serve = app.add_subcommand("serve", "Run the server: feeds, Redis, HTTP and Socket.IO");
  auto options = std::make_shared<ServeOptionsParser>(*serve);
  return {serve, [options] {
            auto config = options->resolve(process_env());
            if (!config.ok()) {
              std::fprintf(stderr, "quflx: %s\n", config.error().message.c_str());
              return 2;
            }
            if (auto ok = init_logging(config->log_level); !ok.ok()) {
              std::fprintf(stderr, "quflx: %s\n", ok.error().message.c_str());
              return 2;
            }
            Service service(std::move(*config));
            return service.run();
          }};
}

}  // namespace quflx
