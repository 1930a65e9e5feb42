// Skipping a test case whose requirement (the BlazeFace model, say) is not installed, so
// that it shows as skipped rather than passed: the test main then exits with
// kSkipExitCode, which tests/CMakeLists.txt gives ctest as SKIP_RETURN_CODE. In CI (CI set
// and not "false"), where scripts/setup.sh installs everything, a missing requirement
// fails the test case instead.
//
//   const auto model = reelpack::find_blazeface_model();
//   REELPACK_SKIP_IF(model.empty(), "BlazeFace is not installed (scripts/setup.sh)");
//   BlazeFaceDetector detector(model);
#pragma once

#include <catch2/catch.hpp>
#include <string>

namespace reelpack::test {

// 77, as automake's test harness and others read it.
inline constexpr int kSkipExitCode = 77;

// True when the CI variable says this is a CI run.
bool in_ci();
// Records the running test case as skipped, for the test main's exit code.
void record_skip(const std::string& why);

}  // namespace reelpack::test

// Ends the running test case as skipped when `condition` holds (in CI: as failed). Use it
// before the test's first assertion: a skipped case should not have checked half its work.
#define REELPACK_SKIP_IF(condition, why)                                     \
  do {                                                                       \
    if (condition) {                                                         \
      const std::string reelpack_skip_why_ = (why);                          \
      if (::reelpack::test::in_ci()) {                                       \
        FAIL(reelpack_skip_why_ << "; in CI that is a failure, not a skip"); \
      }                                                                      \
      ::reelpack::test::record_skip(reelpack_skip_why_);                     \
      WARN("skipped: " << reelpack_skip_why_);                               \
      return;                                                                \
    }                                                                        \
  } while (false)
