#include "core/error.h"
// Error types are header-only; this unit anchors their vtables in one object file.
namespace reelpack {}
