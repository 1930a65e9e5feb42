// The Catch2 main of every test executable, which also reports skipped test cases
// (support/skip.h) to ctest through the exit code.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

#include "support/skip.h"

namespace {

std::map<std::string, std::string> skipped;  // test case name -> why
size_t test_cases_run = 0;

struct CountTestCases : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    ++test_cases_run;
    TestEventListenerBase::testCaseEnded(stats);
  }
};

}  // namespace

CATCH_REGISTER_LISTENER(CountTestCases)

namespace reelpack::test {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci && std::string(ci) != "false" && std::string(ci) != "0";
}

void record_skip(const std::string& why) {
  skipped.emplace(Catch::getResultCapture().getCurrentTestName(), why);
}

}  // namespace reelpack::test

int main(int argc, char* argv[]) {
  const int failures = Catch::Session().run(argc, argv);
  // Catch returns the number of failed assertions: 77 of them must not read as a skip.
  if (failures != 0) return failures == reelpack::test::kSkipExitCode ? 1 : failures;
  for (const auto& [name, why] : skipped) std::cout << "skipped: " << name << ": " << why << "\n";
  // ctest runs one test case at a time; it is skipped when every case that ran was.
  const bool all_skipped = !skipped.empty() && skipped.size() == test_cases_run;
  return all_skipped ? reelpack::test::kSkipExitCode : 0;
}
