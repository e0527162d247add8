/*
 * yx_common: the few attributes the daemon and the client share. One
 * spelling each, so that a rule ("the caller must look at this result")
 * reads the same everywhere.
 */
#ifndef YANXIU_YX_COMMON_H
#define YANXIU_YX_COMMON_H

/* The caller must use the result: it says whether the call did its work
 * (the comment above the declaration says what failure means). */
#define YX_MUST_CHECK __attribute__((warn_unused_result))

#endif
