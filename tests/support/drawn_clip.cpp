#include "support/drawn_clip.h"

#include <catch2/catch.hpp>
#include <cstdio>

#include "support/media.h"

namespace reelpack::test {

std::filesystem::path drawn_clip(const std::filesystem::path& out, int frames, int w, int h,
                                 int fps, const std::function<void(int, cv::Mat&)>& draw,
                                 const std::string& extra) {
  return drawn_clip(out, frames, w, h, std::to_string(fps), draw, extra);
}

std::filesystem::path drawn_clip(const std::filesystem::path& out, int frames, int w, int h,
                                 const std::string& rate,
                                 const std::function<void(int, cv::Mat&)>& draw,
                                 const std::string& extra) {
  const std::string cmd = "ffmpeg -nostdin -y -v error -f rawvideo -pix_fmt bgr24 -s " +
                          std::to_string(w) + "x" + std::to_string(h) + " -r " + rate + " -i - " +
                          extra +
                          " -c:v libx264 -preset ultrafast -crf 16 -pix_fmt yuv420p"
                          " -colorspace bt709 -color_primaries bt709 -color_trc bt709 " +
                          shell_quote(out.string());
  FILE* pipe = popen(cmd.c_str(), "w");
  REQUIRE(pipe);
  cv::Mat img(h, w, CV_8UC3);
  const size_t bytes = img.total() * img.elemSize();
  for (int i = 0; i < frames; ++i) {
    draw(i, img);
    REQUIRE(img.isContinuous());
    REQUIRE(std::fwrite(img.data, 1, bytes, pipe) == bytes);
  }
  REQUIRE(pclose(pipe) == 0);
  return out;
}

}  // namespace reelpack::test
