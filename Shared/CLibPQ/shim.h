// The libpq surface CityGrid uses. Only PGClient imports this module.
#ifndef CITYGRID_CLIBPQ_SHIM_H
#define CITYGRID_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
