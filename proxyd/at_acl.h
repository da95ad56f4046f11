/*
 * AT command access lists (spec gen3plus §10.3): a command is forbidden
 * unless it starts with an allow prefix, and whenever it starts with a
 * block prefix.  Prefixes are compared without regard to case.  A
 * command holding a CR, LF or NUL anywhere but a single trailing CR is
 * refused: it would be two commands to the logger.
 */
#ifndef TSUN_AT_ACL_H
#define TSUN_AT_ACL_H

#include <stddef.h>

struct conf_acl;

/* 1 if the command (len bytes, need not be NUL terminated) is allowed */
int	at_acl_allowed(const struct conf_acl *, const char *, size_t);

#endif
