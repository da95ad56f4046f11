/*
 * AT command access lists.
 */
#include <string.h>
#include <strings.h>

#include "common/conf.h"
#include "proxyd/at_acl.h"

static int
has_prefix(char **list, int n, const char *cmd, size_t len)
{
	size_t	plen;
	int	i;

	for (i = 0; i < n; i++) {
		if (list[i] == NULL)
			continue;
		plen = strlen(list[i]);
		/* the logger takes "at+z" as "AT+Z": so do the lists */
		if (plen <= len && strncasecmp(cmd, list[i], plen) == 0)
			return 1;
	}
	return 0;
}

/*
 * One command per frame: the logger runs every line it is given, so a
 * CR, LF or NUL anywhere but a single trailing CR would smuggle a second
 * command past the prefix check ("AT+TIME\rAT+WEBU=...").
 */
static int
one_command(const char *cmd, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (cmd[i] == '\r' && i == len - 1)
			break;
		if (cmd[i] == '\r' || cmd[i] == '\n' || cmd[i] == '\0')
			return 0;
	}
	return 1;
}

int
at_acl_allowed(const struct conf_acl *acl, const char *cmd, size_t len)
{
	if (acl == NULL || cmd == NULL || !one_command(cmd, len))
		return 0;
	/* block wins over allow; an empty allow list allows nothing */
	if (has_prefix(acl->block, acl->nblock, cmd, len))
		return 0;
	return has_prefix(acl->allow, acl->nallow, cmd, len);
}
