// Frame scores, face scores and the choice of covers, on drawn frames (no media, no libav).
#include <catch2/catch.hpp>
#include <opencv2/imgproc.hpp>

#include "analysis/cover_picker.h"
#include "analysis/face_detector.h"
#include "analysis/frame_score.h"
#include "core/error.h"
#include "media/bgr_converter.h"
#include "stills/covers.h"
#include "stills/sprite.h"
#include "stills/stills.h"
#include "support/drawn_face.h"

using namespace reelpack;
using reelpack::test::draw_face;
using reelpack::test::face_box;

namespace {

// A room: walls, a door, a window, a table edge; flat shapes with crisp edges.
cv::Mat room(cv::Size size = {1280, 720}, cv::Scalar wall = {90, 110, 130}) {
  cv::Mat img(size, CV_8UC3, wall);
  const double s = size.width / 1280.0;
  cv::rectangle(img, cv::Rect2d(100 * s, 100 * s, 300 * s, 400 * s), {40, 60, 90}, cv::FILLED);
  cv::rectangle(img, cv::Rect2d(800 * s, 150 * s, 200 * s, 200 * s), {200, 220, 230}, cv::FILLED);
  cv::rectangle(img, cv::Rect2d(0, 560 * s, 1280 * s, 160 * s), {50, 70, 60}, cv::FILLED);
  // Floorboards and a shelf of books: the fine detail a set has.
  for (int k = 0; k < 24; ++k) {
    cv::line(img, cv::Point2d(k * 55 * s, 560 * s), cv::Point2d((k * 55 + 30) * s, 719 * s),
             {90, 120, 100}, std::max(1, static_cast<int>(3 * s)));
    cv::rectangle(img,
                  cv::Rect2d((1050 + (k % 12) * 18) * s, (420 + (k / 12) * 60) * s, 12 * s, 50 * s),
                  {30.0 + k * 8, 60.0 + (k % 5) * 30, 160.0 - k * 4}, cv::FILLED);
  }
  return img;
}

cv::Mat with_face(cv::Mat img, cv::Point centre, int height) {
  draw_face(img, centre, height);
  return img;
}

cv::Mat blurred(const cv::Mat& img, double sigma) {
  cv::Mat out;
  cv::GaussianBlur(img, out, {0, 0}, sigma);
  return out;
}

std::string why(const FrameScore& s) {
  const char* r = rejection(s);
  return r ? r : "";
}

CoverCandidate candidate(int64_t t_us, const cv::Mat& img) {
  CoverCandidate c;
  c.time_us = t_us;
  c.keyframe = true;
  c.score = score_frame(img);
  c.histogram = colour_histogram(img);
  c.layout = layout_signature(img);
  return c;
}

// A restaurant at night, lit low-key (walls and tables at luma 20-40, the ceiling black):
// side 0 behind one speaker (panelling, a lamp), side 1 behind the other (shelves).
cv::Mat dim_room(int side, int frame = 0, cv::Size size = {480, 270}) {
  cv::Mat img(size, CV_8UC3, cv::Scalar(4, 5, 7));
  const double s = size.width / 480.0;
  img(cv::Rect2d(45 * s, 50 * s, 390 * s, size.height - 50 * s))
      .setTo(side == 0 ? cv::Scalar(17, 22, 32) : cv::Scalar(21, 21, 27));
  if (side == 0) {
    for (int k = 0; k < 7; ++k) {
      cv::line(img, cv::Point2d((60 + k * 55) * s, 50 * s), cv::Point2d((60 + k * 55) * s, 190 * s),
               {12, 15, 22}, std::max(1, static_cast<int>(2 * s)));
    }
    cv::circle(img, cv::Point2d(90 * s, 70 * s), static_cast<int>(5 * s), {150, 210, 250},
               cv::FILLED);
  } else {
    for (int k = 0; k < 3; ++k) {
      cv::line(img, cv::Point2d(290 * s, (60 + 40 * k) * s),
               cv::Point2d(430 * s, (60 + 40 * k) * s), {14, 18, 24},
               std::max(1, static_cast<int>(3 * s)));
    }
  }
  cv::rectangle(img, cv::Rect2d(0, 225 * s, size.width, 45 * s), {30, 36, 44}, cv::FILLED);
  cv::Mat grain(img.size(), CV_8UC3);
  cv::theRNG().state = static_cast<uint64_t>(frame) + 3;
  cv::randn(grain, 0, 2);
  img += grain;
  return img;
}

}  // namespace

TEST_CASE("a sharp, well exposed frame passes, but black, white, flat and blurred frames do not",
          "[covers][score]") {
  const cv::Mat scene = with_face(room(), {640, 330}, 260);
  const FrameScore sharp = score_frame(scene);
  CHECK(why(sharp).empty());
  CHECK(sharp.sharpness > 0.4);
  CHECK(sharp.exposure > 0.9);

  CHECK(why(score_frame(blurred(scene, 4))) == "blurred");
  CHECK(why(score_frame(blurred(scene, 8))) == "blurred");
  CHECK(why(score_frame(cv::Mat(720, 1280, CV_8UC3, cv::Scalar(0, 0, 0)))) == "dark");
  CHECK(why(score_frame(cv::Mat(720, 1280, CV_8UC3, cv::Scalar(255, 255, 255)))) == "overexposed");
  CHECK(why(score_frame(cv::Mat(720, 1280, CV_8UC3, cv::Scalar(120, 120, 120)))) == "flat");
  // The start of a fade in from black: 15% of the picture's light.
  const cv::Mat faded = scene * 0.15;
  CHECK(why(score_frame(faded)) == "dark");
  // Sharpness orders blur: the less blurred, the sharper.
  CHECK(score_frame(blurred(scene, 1)).sharpness > score_frame(blurred(scene, 3)).sharpness);
  CHECK(score_frame(scene).quality > score_frame(blurred(scene, 2)).quality);
}

TEST_CASE("a dim room with a lit face is not dark, nor a bright one with a lit face blown out",
          "[covers][score][lowkey]") {
  FaceDetector detector;
  // Low-key: the frame's mean luma is about 0.1, its face well lit.
  const cv::Mat low = with_face(dim_room(0), {240, 120}, 110);
  FrameScore s = score_frame(low);
  INFO("frame luma " << s.luma_mean << ", centre " << s.centre_luma << ", highlight "
                     << s.highlight_luma);
  CHECK(s.luma_mean < 0.15);
  CHECK(why(s).empty());
  CHECK(s.exposure_basis == ExposureBasis::Centre);
  const std::vector<Face> faces = detector.detect(low);
  REQUIRE(!faces.empty());
  const double centre_exposure = s.exposure;
  add_faces(s, faces, low);
  CHECK(s.exposure_basis == ExposureBasis::Faces);
  CHECK(s.face_luma > 0.5);
  CHECK(s.key_luma() == s.face_luma);
  CHECK(s.exposure > 0.7);  // judged on the face, not on the dark room around it
  CHECK(s.exposure > centre_exposure);
  CHECK(why(s).empty());
  // As good a cover as the same face in a room of ordinary brightness.
  FrameScore normal = score_frame(with_face(room({480, 270}), {240, 120}, 110));
  add_faces(normal, detector.detect(with_face(room({480, 270}), {240, 120}, 110)),
            with_face(room({480, 270}), {240, 120}, 110));
  CHECK(s.exposure == Approx(normal.exposure).margin(0.15));

  // High-key: white walls, the face well lit.
  cv::Mat bright = room({480, 270}, {235, 238, 240});
  bright.setTo(cv::Scalar(245, 246, 248), bright > 200);
  draw_face(bright, {240, 120}, 110);
  const FrameScore h = score_frame(bright);
  CHECK(h.luma_mean > 0.6);
  CHECK(why(h) != "overexposed");

  // A dim room with nothing lit, or nothing dark, is still rejected; so is a fade's dark end.
  // The dim set alone: its lamp is a point, nothing else in it reaches luma 0.2.
  CHECK(why(score_frame(dim_room(0))) == "dark");
  CHECK(why(score_frame(low * 0.2)) == "dark");
  CHECK(why(score_frame(cv::Mat(270, 480, CV_8UC3, cv::Scalar(3, 3, 3)))) == "dark");
  CHECK(why(score_frame(cv::Mat(270, 480, CV_8UC3, cv::Scalar(250, 250, 250)))) == "overexposed");
  CHECK(rejection_detail(score_frame(low * 0.2)).find("nothing in the picture is lit") !=
        std::string::npos);
  CHECK(rejection_detail(s).empty());
}

TEST_CASE("a sharp face over a soft background is in focus (shallow depth of field)",
          "[covers][score]") {
  const cv::Mat soft_room = blurred(room(), 10);
  CHECK(why(score_frame(soft_room)) == "blurred");
  CHECK(why(score_frame(with_face(soft_room, {640, 330}, 260))).empty());
  CHECK(why(score_frame(with_face(soft_room, {640, 330}, 100))).empty());
}

TEST_CASE("scores do not depend on the frame's size", "[covers][score]") {
  const cv::Mat big = with_face(room({1280, 720}), {640, 330}, 260);
  cv::Mat small;
  cv::resize(big, small, {640, 360}, 0, 0, cv::INTER_AREA);
  const FrameScore a = score_frame(big), b = score_frame(small);
  CHECK(a.exposure == Approx(b.exposure).margin(0.02));
  CHECK(a.contrast == Approx(b.contrast).margin(0.02));
  CHECK(a.sharpness == Approx(b.sharpness).margin(0.1));
  CHECK_THROWS(score_frame(cv::Mat()));
}

TEST_CASE("face scores: larger, frontal, inside the cover's region", "[covers][score]") {
  const cv::Size frame(480, 270);
  auto face = [](cv::Rect box, FaceView view = FaceView::Frontal, int eyes = 2) {
    Face f;
    f.box = box;
    f.view = view;
    f.eyes = eyes;
    f.confidence = 1;
    return f;
  };
  const double large = face_score({face({200, 60, 70, 90})}, frame);
  const double small = face_score({face({200, 60, 28, 36})}, frame);
  CHECK(large > small);
  CHECK(small > 0);
  CHECK(face_score({}, frame) == 0);
  CHECK(face_score({face({200, 60, 70, 90}, FaceView::Profile)}, frame) < large);
  CHECK(face_score({face({200, 60, 70, 90}, FaceView::Frontal, 0)}, frame) < large);
  // A vertical cover keeps the middle third of a 16:9 frame: a face at the left edge is
  // cropped off and scores nothing; the same face centred scores in full.
  FrameScoreOptions vertical;
  vertical.cover_region = cover_region({1920, 1080}, {1080, 1920}, ReframeMode::Center);
  CHECK(vertical.cover_region.width == Approx(0.316).margin(0.01));
  CHECK(face_score({face({10, 60, 70, 90})}, frame, vertical) == 0);
  CHECK(face_score({face({205, 60, 70, 90})}, frame, vertical) == Approx(large));
  // Pad, blur and smart covers keep every face.
  for (ReframeMode m : {ReframeMode::Pad, ReframeMode::Blur, ReframeMode::Smart}) {
    CHECK(cover_region({1920, 1080}, {1080, 1920}, m).area() == Approx(1.0));
  }
}

TEST_CASE("the face detector finds a drawn face", "[covers][faces]") {
  FaceDetector detector;
  const cv::Mat img = with_face(room({480, 270}), {300, 120}, 110);
  const std::vector<Face> faces = detector.detect(img);
  REQUIRE(!faces.empty());
  const cv::Rect truth = face_box({300, 120}, 110);
  const cv::Rect hit = faces.front().box;
  CHECK((hit & truth).area() > 0.4 * truth.area());
  CHECK(faces.front().view == FaceView::Frontal);
  CHECK(faces.front().eyes >= 0);  // looked for (the face is large enough)
  CHECK(detector.detect(room({480, 270})).empty());
  // The eye cascade does not fire on these drawn eyes (tried: open against painted over),
  // so eyes are only checked to be looked for; they weigh lightly in the face score.
}

TEST_CASE("shots, transitions and distinct covers among sparse candidates", "[covers][pick]") {
  const cv::Mat a = with_face(room({480, 270}), {240, 120}, 110);
  const cv::Mat b = room({480, 270}, {40, 140, 200});  // another set, warm light
  cv::Mat b2 = b.clone();
  cv::circle(b2, {100, 100}, 30, {20, 20, 200}, cv::FILLED);
  cv::Mat mid;  // halfway through a dissolve from a to b
  cv::addWeighted(a, 0.5, b, 0.5, 0, mid);
  std::vector<CoverCandidate> c = {candidate(0, a),         candidate(1'000'000, a),
                                   candidate(2'000'000, a), candidate(3'000'000, mid),
                                   candidate(4'000'000, b), candidate(5'000'000, b2),
                                   candidate(6'000'000, b)};
  rank_candidates(c);
  CHECK(c[0].shot == c[2].shot);
  CHECK(c[4].shot != c[0].shot);
  CHECK(c[4].shot == c[6].shot);
  CHECK(c[3].rejected == "transition");
  for (size_t i : {0, 1, 2, 4, 5, 6}) {
    INFO("candidate " << i << ": " << c[i].rejected << ", sharpness " << c[i].score.sharpness
                      << ", transition " << c[i].transition);
    CHECK(c[i].rejected.empty());
  }

  // Two covers: one from each shot before a second from either.
  const std::vector<size_t> two = pick_covers(c, 2);
  REQUIRE(two.size() == 2);
  CHECK(c[two[0]].shot != c[two[1]].shot);
  // Four covers from two shots: no two from one shot closer than min_gap_us (2 s).
  const std::vector<size_t> four = pick_covers(c, 4);
  for (size_t i = 0; i < four.size(); ++i) {
    CHECK(four[i] != 3);
    for (size_t j = i + 1; j < four.size(); ++j) {
      if (c[four[i]].shot == c[four[j]].shot) {
        CHECK(std::llabs(c[four[i]].time_us - c[four[j]].time_us) >= 2'000'000);
      }
    }
  }
  // Best first.
  for (size_t i = 1; i < four.size(); ++i) CHECK(c[four[i - 1]].total >= c[four[i]].total);

  std::vector<CoverCandidate> backwards = {candidate(2, a), candidate(1, a)};
  CHECK_THROWS(rank_candidates(backwards));
}

TEST_CASE("shots of one dim set with the same colours are told apart by their layout",
          "[covers][pick][lowkey]") {
  // A dialogue: a two-shot, A's close-up, B's from the reverse angle, the two-shot again;
  // two samples of each a few seconds apart, the speakers barely moving.
  const auto two_shot = [](int frame, int sway) {
    cv::Mat img = dim_room(0, frame);
    draw_face(img, {190 + sway, 115}, 70);
    draw_face(img, {295 - sway, 118}, 66, {0, -0.3});
    return img;
  };
  const auto close_a = [](int frame, int sway) {
    return with_face(dim_room(0, frame), {215 + sway, 125}, 130);
  };
  const auto close_b = [](int frame, int sway) {
    cv::Mat img = dim_room(1, frame);
    draw_face(img, {272 + sway, 127}, 126, {0, -0.3});
    return img;
  };
  std::vector<CoverCandidate> c = {
      candidate(0, two_shot(0, 0)),          candidate(2'000'000, two_shot(48, 1)),
      candidate(4'000'000, close_a(96, 0)),  candidate(5'000'000, close_a(120, 1)),
      candidate(6'000'000, close_b(144, 0)), candidate(7'000'000, close_b(168, -1)),
      candidate(9'000'000, two_shot(216, 0))};
  // By colour alone the two-shot, A's close-up and B's would be one shot.
  for (size_t i = 1; i < 5; ++i) {
    INFO("candidates " << i - 1 << " and " << i);
    CHECK(histogram_distance(c[i - 1].histogram, c[i].histogram) <
          CoverPickOptions{}.new_shot_distance);
  }
  CHECK(layout_distance(c[0].layout, c[1].layout) < 0.05);
  CHECK(layout_distance(c[2].layout, c[3].layout) < 0.05);
  CHECK(layout_distance(c[1].layout, c[2].layout) >= CoverPickOptions{}.new_shot_layout);
  CHECK(layout_distance(c[3].layout, c[4].layout) >= CoverPickOptions{}.new_shot_layout);
  rank_candidates(c);
  CHECK(c[0].shot == c[1].shot);
  CHECK(c[2].shot == c[3].shot);
  CHECK(c[4].shot == c[5].shot);
  CHECK(c[1].shot != c[2].shot);
  CHECK(c[3].shot != c[4].shot);
  CHECK(c[5].shot != c[6].shot);
  for (const CoverCandidate& k : c) CHECK(k.rejected.empty());
  // Three covers: from three shots.
  const std::vector<size_t> three = pick_covers(c, 3);
  REQUIRE(three.size() == 3);
  CHECK(c[three[0]].shot != c[three[1]].shot);
  CHECK(c[three[1]].shot != c[three[2]].shot);
  CHECK(c[three[0]].shot != c[three[2]].shot);

  // A cut between two of them right after a candidate: the window sees it.
  std::vector<WindowSample> w = {window_sample(0, close_a(96, 0)),
                                 window_sample(200'000, close_a(101, 0)),
                                 window_sample(400'000, close_b(106, 0))};
  CHECK(window_verdict(w) == "cut");
  w.pop_back();
  CHECK(window_verdict(w) == "");
  CHECK(layout_distance(cv::Mat(), c[0].layout) == 1.0);
}

TEST_CASE("known cuts give the shots, and frames next to them are transitions", "[covers][pick]") {
  const cv::Mat a = with_face(room({480, 270}), {240, 120}, 110);
  std::vector<CoverCandidate> c;
  for (int k = 0; k < 10; ++k) c.push_back(candidate(k * 500'000, a));
  // A cut at 1.5 s and a dissolve from 3.0 to 3.6 s.
  const std::vector<CoverCut> cuts = {{1'500'000, 1'500'000, 1'500'000},
                                      {3'300'000, 3'000'000, 3'600'000}};
  rank_candidates(c, {}, {}, &cuts);
  const std::vector<int> shots = {0, 0, 0, 1, 1, 1, 1, 2, 2, 2};
  for (size_t k = 0; k < c.size(); ++k) {
    INFO("candidate at " << c[k].time_us);
    CHECK(c[k].shot == shots[k]);
    // 1.5 s (the cut), 3.0 and 3.5 s (the dissolve) are transitions; the rest are not.
    const bool transition = k == 3 || k == 6 || k == 7;
    CHECK(c[k].rejected == (transition ? "transition" : ""));
  }
}

TEST_CASE("a fade in from black at the start is a transition", "[covers][pick]") {
  const cv::Mat a = with_face(room({480, 270}), {240, 120}, 110);
  const cv::Mat half = a * 0.45;
  std::vector<CoverCandidate> c = {candidate(0, cv::Mat(270, 480, CV_8UC3, cv::Scalar(0, 0, 0))),
                                   candidate(1'000'000, half), candidate(2'000'000, a),
                                   candidate(3'000'000, a)};
  rank_candidates(c);
  CHECK(c[0].rejected == "dark");
  CHECK(!c[1].rejected.empty());
  CHECK(c[2].rejected.empty());
  const std::vector<size_t> one = pick_covers(c, 1);
  REQUIRE(one.size() == 1);
  CHECK(one[0] >= 2);
}

TEST_CASE("cover pictures have the exact size in every mode, odd and even", "[covers][reframe]") {
  for (cv::Size src : {cv::Size(1920, 1080), cv::Size(1279, 719), cv::Size(720, 1280),
                       cv::Size(640, 480), cv::Size(101, 57)}) {
    const cv::Mat picture = room(src);
    for (Size out : {Size{1080, 1920}, Size{1080, 1350}, Size{720, 720}, Size{1280, 720}}) {
      for (ReframeMode m :
           {ReframeMode::Center, ReframeMode::Pad, ReframeMode::Blur, ReframeMode::Smart}) {
        const cv::Mat r = reframe_picture(picture, {1, 1}, out, m);
        CHECK(r.cols == out.width_px);
        CHECK(r.rows == out.height_px);
        CHECK(r.type() == CV_8UC3);
      }
    }
  }
}

TEST_CASE("a smart cover is centred on the faces", "[covers][reframe]") {
  cv::Mat picture(1080, 1920, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::rectangle(picture, cv::Rect(100, 400, 200, 200), cv::Scalar(0, 0, 255), cv::FILLED);
  const cv::Rect2d focus(100.0 / 1920, 400.0 / 1080, 200.0 / 1920, 200.0 / 1080);
  const cv::Mat smart = reframe_picture(picture, {1, 1}, {540, 960}, ReframeMode::Smart, &focus);
  const cv::Mat centre = reframe_picture(picture, {1, 1}, {540, 960}, ReframeMode::Center);
  CHECK(cv::mean(smart)[2] > 10);  // the red square is in the picture (6% of it)
  CHECK(cv::mean(centre)[2] < 1);  // and not in the centre crop
}

TEST_CASE("sprite cues cover the whole duration and lie inside their sheets", "[covers][sprite]") {
  SpriteOptions o;
  o.interval_us = 2'000'000;
  o.columns = 4;
  o.max_rows = 2;
  const Size tile{160, 90};
  const int64_t duration_us = 37'500'000;
  const std::vector<SpriteCue> cues = plan_sprite(duration_us, tile, o);
  REQUIRE(cues.size() == 19);
  CHECK(cues.front().start_us == 0);
  CHECK(cues.back().end_us == duration_us);
  for (size_t k = 1; k < cues.size(); ++k) CHECK(cues[k].start_us == cues[k - 1].end_us);
  for (const SpriteCue& c : cues) {
    CHECK(c.x_px >= 0);
    CHECK(c.y_px >= 0);
    CHECK(c.x_px + c.width_px <= 4 * tile.width_px);
    CHECK(c.y_px + c.height_px <= 2 * tile.height_px);
  }
  CHECK(cues[7].sheet == "sprite.jpg");
  CHECK(cues[8].sheet == "sprite-2.jpg");
  CHECK(cues[16].sheet == "sprite-3.jpg");
  const std::string vtt = sprite_vtt(cues);
  CHECK(vtt.rfind("WEBVTT\n", 0) == 0);
  CHECK(vtt.find("00:00:00.000 --> 00:00:02.000\nsprite.jpg#xywh=0,0,160,90\n") !=
        std::string::npos);
  CHECK(vtt.find("00:00:36.000 --> 00:00:37.500\nsprite-3.jpg#xywh=320,0,160,90\n") !=
        std::string::npos);
  o.interval_us = 10;
  CHECK_THROWS_AS(plan_sprite(duration_us, tile, o), UsageError);
}

TEST_CASE("pictures that swscale writes into have a spare row after the last", "[covers][stills]") {
  cv::Mat picture;
  make_swscale_bgr(picture, {7, 5});
  CHECK(picture.cols == 7);
  CHECK(picture.rows == 5);
  CHECK(picture.type() == CV_8UC3);
  cv::Size whole;
  cv::Point offset;
  picture.locateROI(whole, offset);
  CHECK(whole == cv::Size(7, 6));
  CHECK(offset == cv::Point(0, 0));
  const uchar* data = picture.data;
  make_swscale_bgr(picture, {7, 5});  // kept
  CHECK(picture.data == data);
  make_swscale_bgr(picture, {8, 5});  // another size: a new buffer
  picture.locateROI(whole, offset);
  CHECK(whole == cv::Size(8, 6));
  cv::Mat plain(5, 7, CV_8UC3);
  make_swscale_bgr(plain, {7, 5});  // a plain picture of the size is not enough
  plain.locateROI(whole, offset);
  CHECK(whole == cv::Size(7, 6));
}
