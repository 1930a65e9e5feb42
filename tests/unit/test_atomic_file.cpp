// write_file_atomically: the checked writer of small outputs. A write that fails (a full
// disk, a folder that cannot hold the file) throws a ProcessingError naming the file and
// leaves neither a truncated file nor a temporary behind. Every output (AtomicFile) also
// refuses to replace a device, a FIFO, a folder or an input, and writes through symlinks.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "support/files.h"

using namespace reelpack;
namespace fs = std::filesystem;

namespace {
std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A full disk, as any user (root included) meets it: RLIMIT_FSIZE caps how large a file
// this process may write, so the write(2) past the cap fails with EFBIG.
class FileSizeCap {
 public:
  explicit FileSizeCap(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);  // else the process is killed
    rlimit capped = saved_;
    capped.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &capped) == 0);
  }
  ~FileSizeCap() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeCap(const FileSizeCap&) = delete;
  FileSizeCap& operator=(const FileSizeCap&) = delete;

 private:
  rlimit saved_{};
  void (*old_handler_)(int) = SIG_DFL;
};
}  // namespace

TEST_CASE("write_file_atomically writes text and bytes, leaving no temporary") {
  test::TempDir dir;
  write_file_atomically(dir / "a.csv", std::string("x,y\n1,2\n"));
  write_file_atomically(dir / "b.bin", std::vector<uint8_t>{0, 1, 2, 255});
  CHECK(read_all(dir / "a.csv") == "x,y\n1,2\n");
  CHECK(read_all(dir / "b.bin") == std::string("\0\1\2\xff", 4));
  write_file_atomically(dir / "a.csv", std::string("replaced\n"));
  CHECK(read_all(dir / "a.csv") == "replaced\n");
  CHECK(test::temporaries(dir.path()).empty());
}

TEST_CASE("write_file_atomically fails naming the file when its folder is a file") {
  test::TempDir dir;
  test::write_file(dir / "not-a-folder", "a file where a folder should be\n");
  const fs::path target = dir / "not-a-folder" / "cutlist.csv";
  try {
    write_file_atomically(target, std::string("episode\n"));
    FAIL("expected a ProcessingError");
  } catch (const ProcessingError& e) {
    const std::string what = e.what();
    CHECK(what.find(target.string() + ": cannot write") == 0);
    CHECK(what.find("Not a directory") != std::string::npos);
  }
  CHECK(read_all(dir / "not-a-folder") == "a file where a folder should be\n");
  CHECK(test::temporaries(dir.path()).empty());
}

TEST_CASE("write_file_atomically on a full disk throws and keeps the previous file") {
  test::TempDir dir;
  const fs::path target = dir / "scores.csv";
  write_file_atomically(target, std::string("previous\n"));
  const std::string big(256 * 1024, 'x');
  {
    const FileSizeCap cap(16 * 1024);
    CHECK_THROWS_AS(write_file_atomically(target, big), ProcessingError);
    CHECK_THROWS_WITH(write_file_atomically(target, std::vector<uint8_t>(big.begin(), big.end())),
                      Catch::StartsWith(target.string() + ": cannot write (") &&
                          Catch::Contains("larger than this system allows (ulimit -f"));
  }
  CHECK(read_all(target) == "previous\n");
  CHECK(test::temporaries(dir.path()).empty());
  CHECK_FALSE(fs::exists(dir / "fresh.csv"));
  {
    const FileSizeCap cap(16 * 1024);
    CHECK_THROWS_AS(write_file_atomically(dir / "fresh.csv", big), ProcessingError);
  }
  CHECK_FALSE(fs::exists(dir / "fresh.csv"));
  CHECK(test::temporaries(dir.path()).empty());
}

// Issue 19: an output never replaces what is not a regular file, follows a symlink to its
// target, and never replaces a file this process reads.
TEST_CASE("an output written through a symlink goes to its target and keeps the link") {
  test::TempDir dir;
  write_file_atomically(dir / "real.csv", std::string("old\n"));
  fs::create_symlink("real.csv", dir / "link.csv");
  write_file_atomically(dir / "link.csv", std::string("new\n"));
  CHECK(fs::is_symlink(fs::symlink_status(dir / "link.csv")));
  CHECK(read_all(dir / "real.csv") == "new\n");
  // A dangling link: its target is created, the link kept.
  fs::create_symlink("made.csv", dir / "dangling.csv");
  write_file_atomically(dir / "dangling.csv", std::string("made\n"));
  CHECK(fs::is_symlink(fs::symlink_status(dir / "dangling.csv")));
  CHECK(read_all(dir / "made.csv") == "made\n");
  CHECK(test::temporaries(dir.path()).empty());
}

TEST_CASE("an output never replaces a FIFO, a folder or a link to a device") {
  test::TempDir dir;
  const fs::path fifo = dir / "pipe.csv";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  CHECK_THROWS_WITH(write_file_atomically(fifo, std::string("x\n")),
                    Catch::StartsWith(fifo.string() + ": is a FIFO"));
  CHECK_THROWS_AS(AtomicFile(fifo), UsageError);
  CHECK(fs::is_fifo(fs::symlink_status(fifo)));
  fs::create_directory(dir / "folder.csv");
  CHECK_THROWS_WITH(write_file_atomically(dir / "folder.csv", std::string("x\n")),
                    Catch::Contains("is a folder"));
  CHECK(fs::is_directory(dir / "folder.csv"));
  // A link to a character device (/dev/null): refused, and neither the link nor the device
  // is touched. (Only a link is used here, so a broken check cannot replace /dev/null.)
  fs::create_symlink("/dev/null", dir / "null.csv");
  CHECK_THROWS_WITH(AtomicFile(dir / "null.csv"), Catch::Contains("is a character device"));
  CHECK(fs::is_symlink(fs::symlink_status(dir / "null.csv")));
  CHECK(fs::is_character_file(fs::status("/dev/null")));
  CHECK(test::temporaries(dir.path()).empty());
}

TEST_CASE("an output never replaces an input of the process, by name or by hard link") {
  test::TempDir dir;
  write_file_atomically(dir / "source.mp4", std::string("the master\n"));
  fs::create_hard_link(dir / "source.mp4", dir / "alias.mp4");
  write_file_atomically(dir / "other.mp4", std::string("not read\n"));
  protect_input(dir / "source.mp4");
  CHECK_THROWS_WITH(AtomicFile(dir / "source.mp4"),
                    Catch::StartsWith((dir / "source.mp4").string() + ": is an input"));
  CHECK_THROWS_AS(AtomicFile(dir / "alias.mp4"), UsageError);
  CHECK(read_all(dir / "source.mp4") == "the master\n");
  write_file_atomically(dir / "other.mp4", std::string("replaced\n"));  // not an input
  CHECK(read_all(dir / "other.mp4") == "replaced\n");
}

namespace {
// A pid that no process has: a child that has exited and been reaped.
pid_t dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

void set_age(const fs::path& file, std::chrono::hours age) {
  fs::last_write_time(file, fs::file_time_type::clock::now() - age);
}
}  // namespace

TEST_CASE("temporaries of runs that were killed are swept, those of live runs kept",
          "[atomic][sweep]") {
  test::TempDir dir;
  const std::string host = temp_owner_tag().substr(0, temp_owner_tag().rfind('-'));
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getppid());
  const std::string pre = kTempPrefix;
  const std::vector<std::string> gone = {
      pre + host + "-" + dead + "-0-ep01.tiktok.mp4",  // this host, its process gone
      pre + dead + "-3-ep02.tiktok.mp4",               // named by an older version
      pre + "render9-" + live + "-0-ep03.mp4",         // another host's, untouched for 7 h
  };
  const std::vector<std::string> kept = {
      pre + host + "-" + live + "-0-ep04.mp4",   // this host, still running
      pre + "render9-" + dead + "-0-ep05.mp4",   // another host's, recent: may be running
      pre + host + "-" + dead + "x-0-ep06.mp4",  // not a name reelpack writes
      "ep07.tiktok.mp4",                         // an output
  };
  for (const auto& n : gone) test::write_file(dir / n, "x");
  for (const auto& n : kept) test::write_file(dir / n, "x");
  set_age(dir / gone[2], std::chrono::hours(7));
  fs::create_directory(dir / (pre + host + "-" + dead + "-9-folder"));  // only files go

  const auto removed = sweep_stale_temporaries(dir.path());
  CHECK(removed.size() == gone.size());
  for (const auto& n : gone) CHECK(!fs::exists(dir / n));
  for (const auto& n : kept) CHECK(fs::exists(dir / n));
  CHECK(fs::is_directory(dir / (pre + host + "-" + dead + "-9-folder")));
  const auto all = swept_temporaries();
  CHECK(std::count(all.begin(), all.end(), dir / gone[0]) == 1);

  // Once per folder per process: a second stale file appearing later stays.
  test::write_file(dir / gone[0], "x");
  CHECK(sweep_stale_temporaries(dir.path()).empty());
  CHECK(fs::exists(dir / gone[0]));
}

TEST_CASE("an output folder is swept when an output is written there", "[atomic][sweep]") {
  test::TempDir dir;
  const std::string stale = std::string(kTempPrefix) +
                            temp_owner_tag().substr(0, temp_owner_tag().rfind('-')) + "-" +
                            std::to_string(dead_pid()) + "-0-ep01.mp4";
  test::write_file(dir / stale, "partial");
  write_file_atomically(dir / "cutlist.csv", "start,end\n");
  CHECK(!fs::exists(dir / stale));
  CHECK(read_all(dir / "cutlist.csv") == "start,end\n");
}

TEST_CASE("a temporary's name fits in 255 bytes however long the output's", "[atomic]") {
  test::TempDir dir;
  // 240 bytes of stem (80 three-byte characters), as a long episode title makes.
  std::string stem;
  for (int i = 0; i < 80; ++i) stem += "\xE5\x8A\x87";  // 劇
  const fs::path out = dir / (stem + ".tiktok.mp4");
  REQUIRE(out.filename().string().size() == 251);
  AtomicFile file(out);
  const std::string temp = file.temp_path().filename().string();
  CHECK(temp.size() <= 255);
  CHECK(temp.rfind(kTempPrefix, 0) == 0);
  CHECK(file.temp_path().extension() == ".mp4");
  {
    std::ofstream o(file.temp_path());
    o << "data";
    REQUIRE(o.good());
  }
  file.commit();
  CHECK(read_all(out) == "data");
  CHECK(test::temporaries(dir.path()).empty());
  // Cut on a character boundary: every 劇 kept whole, so the name is still valid UTF-8.
  const auto leads = std::count(temp.begin(), temp.end(), '\xE5');
  const auto high = std::count_if(
      temp.begin(), temp.end(), [](char c) { return (static_cast<unsigned char>(c) & 0x80) != 0; });
  CHECK(leads > 60);
  CHECK(high == 3 * leads);
}
