// Smart reframing (--reframe smart): a window of the centre crop's size that follows the
// subjects, placed per source frame by an analysis before (or, in one pass, during) the
// encode. This header gathers the stages; each has its own:
//
//   SmartAnalysis a = analyse_for_reframe("ep01.mov", {});   // reframe/smart_analysis.h
//   SmartPath path = solve_smart_path(a, {608, 1080});       // reframe/smart_path.h
//   OutputFrames out = output_frames(a, {30, 1});
//   write_crop_path("ep01.crop.csv", output_windows(path, out), out.times());
//   FrameWindows windows(a.pts, path.windows, path.geometry); // reframe/frame_windows.h
//
//  - reframe/smart_analysis.h: shots, faces and motion of the decoded frames
//    (FrameAnalyser in reframe/frame_analyser.h, frame by frame);
//  - reframe/smart_path.h: the camera per shot, and which window each output frame shows;
//  - reframe/frame_windows.h: the windows as the encoders look them up, and the crop;
//  - reframe/one_pass.h: the analysis on the encode's own frames, each held until its
//    shot is placed;
//  - reframe/analysis_cache.h: analyses kept on disk for a rerun;
//  - package/smart_outputs.h (SmartReframe): what package() does with all of this.
//
// Rotated (phone) inputs are analysed in display orientation (each analysis frame is
// turned as a player turns it) and their windows are in display pixels: the outputs'
// source graph rotates each frame before it is cropped, as --reframe center rotates
// before its crop.
#pragma once

#include "reframe/frame_windows.h"
#include "reframe/smart_analysis.h"
#include "reframe/smart_path.h"
