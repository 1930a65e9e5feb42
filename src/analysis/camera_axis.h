// One axis of a camera path (a part of camera_path.cpp, apart so the kinematics can be
// read on their own): where the window goes along x or y over one shot, given the
// target's extent there each frame. Stationary when one position frames the target
// throughout, else an eased pan when one fits the speed and acceleration limits and keeps
// the target inside, else tracking; then whole even pixels.
//
//   camera::AxisPlan p = camera::plan_axis(target, axis, {ease_frames, settle_frames, smoothing});
//   std::vector<int> xs = camera::quantise(p.position, axis);
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/camera_path.h"

namespace reelpack::camera {

// One axis of the camera, in pixels and frames.
struct Axis {
  double extent = 0;        // source size along the axis
  double window = 0;        // window size along the axis
  double max_position = 0;  // extent - window
  int max_even = 0;         // largest even position
  double dead_zone_px = 0;
  double max_velocity_pf = 0;      // px per frame
  double max_acceleration_pf = 0;  // px per frame squared
};

// The target's extent along one axis, per frame of a shot: the bare boxes and the boxes
// with their margin (clipped to the frame).
struct AxisTarget {
  std::vector<double> lo, hi, lo_room, hi_room;
  size_t size() const { return lo.size(); }
};

struct AxisPlan {
  CameraMode mode = CameraMode::Stationary;
  std::vector<double> position;  // smooth window position per frame of the shot
};

// The frame counts the moves are shaped by (CameraPathOptions in frames).
struct AxisTiming {
  double ease_frames = 0;        // a pan's acceleration and deceleration
  int64_t settle_frames = 0;     // how long the target must keep still to stop tracking
  int64_t smoothing_frames = 0;  // odd width of the tracking reference's smoothing
};

// The smooth window positions along one axis for one shot, and the mode they make.
AxisPlan plan_axis(const AxisTarget& t, const Axis& a, const AxisTiming& timing);

// Even positions that stay within a few pixels of the smooth path (see the .cpp).
std::vector<int> quantise(const std::vector<double>& path, const Axis& a);

// v rounded to an even position inside the axis.
int to_position(double v, const Axis& a);

}  // namespace reelpack::camera
