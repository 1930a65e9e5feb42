// Test support: a clip encoded from frames the test draws, for planting exactly the
// pictures a test needs (a face at a known place, a black or blurred stretch, a fade).
//
//   drawn_clip(dir / "in.mp4", 50, 640, 360, 25, [](int i, cv::Mat& img) { img.setTo(...); });
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <opencv2/core.hpp>

namespace reelpack::test {

// Pipes `frames` BGR frames of w x h drawn by `draw(index, image)` to the ffmpeg command
// line (x264 ultrafast, CRF 16, BT.709 tags); `extra` goes before the encoder options
// (for example "-g 10" or "-f lavfi -i sine=d=2"). REQUIREs success; returns out.
std::filesystem::path drawn_clip(const std::filesystem::path& out, int frames, int w, int h,
                                 int fps, const std::function<void(int, cv::Mat&)>& draw,
                                 const std::string& extra = "");
// The same at a rate ffmpeg's -r takes ("24000/1001" for 23.976 fps).
std::filesystem::path drawn_clip(const std::filesystem::path& out, int frames, int w, int h,
                                 const std::string& rate,
                                 const std::function<void(int, cv::Mat&)>& draw,
                                 const std::string& extra = "");

}  // namespace reelpack::test
