#include "core/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <string>
#include <system_error>

#include "core/error.h"

namespace reelpack {
namespace fs = std::filesystem;

namespace {
std::atomic<unsigned> g_counter{0};
}

AtomicFile::AtomicFile(fs::path final_path) : final_path_(std::move(final_path)) {
  const std::string unique = std::to_string(::getpid()) + "-" + std::to_string(g_counter++);
  temp_path_ = final_path_.parent_path() /
               (std::string(kTempPrefix) + unique + "-" + final_path_.filename().string());
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      temp_path_(std::move(other.temp_path_)),
      active_(other.active_) {
  other.active_ = false;
}

AtomicFile::~AtomicFile() {
  discard();
}

void AtomicFile::commit() {
  if (!active_) return;
  std::error_code ec;
  fs::rename(temp_path_, final_path_, ec);
  if (ec) {
    throw ProcessingError(final_path_.string() + ": cannot move the finished output into place (" +
                          ec.message() + "); check the folder's permissions and free space");
  }
  active_ = false;
}

void AtomicFile::discard() {
  if (!active_) return;
  std::error_code ec;
  fs::remove(temp_path_, ec);  // best effort: nothing sensible to do on failure here
  active_ = false;
}

void write_file_atomically(const fs::path& path, const std::string& text) {
  AtomicFile file(path);
  {
    std::ofstream out(file.temp_path(), std::ios::binary);
    out << text;
    out.flush();
    if (!out) {
      throw ProcessingError(path.string() + ": cannot write (check free space and permissions)");
    }
  }
  file.commit();
}

}  // namespace reelpack
