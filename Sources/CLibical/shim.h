#ifndef PGTRACK_CLIBICAL_SHIM_H
#define PGTRACK_CLIBICAL_SHIM_H

#include <stdlib.h>
#include <libical/ical.h>

#endif
