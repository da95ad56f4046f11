/*
 * The pre-pass in front of libconfuse (cfgd/preparse.c), and the error
 * reporting both share: a message names file:line of the original text.
 */
#ifndef TSUN_PREPARSE_H
#define TSUN_PREPARSE_H

#include <stdarg.h>
#include <stdio.h>

struct segment {
	int		 bline;		/* first buffer line of the segment */
	int		 file;		/* index into files */
	int		 fline;		/* its line in that file */
};

struct keyline {
	char		 name[32];
	int		 bline;
};

struct pctx {
	FILE		*errs;
	char		*buf;		/* the file with comments removed */
	size_t		 len, cap;
	int		 bline;		/* current buffer line, from 1 */
	int		 depth;		/* brace depth while preprocessing */
	int		 open[32];	/* lines of the open braces */
	char		**files;
	int		 nfiles;
	struct segment	*seg;
	int		 nseg;
	struct keyline	*keys;		/* top-level keys and their lines */
	int		 nkeys;
	int		 nerr;
	int		 oom;
	int		 as_root;	/* files must be owned by root */
};

void	pp_where(struct pctx *, int bline, const char **file, int *fline);
void	pp_vreport(struct pctx *, int bline, const char *kind,
	    const char *fmt, va_list);
void	perr(struct pctx *, int bline, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
void	pwarn(struct pctx *, int bline, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

/* the file (and its includes) into x->buf; -1 on a fatal error */
int	pp_file(struct pctx *, const char *path, int from_bline, int level);
void	pp_emit(struct pctx *, char);
/* the buffer line of a top-level key, 0 if not given */
int	pp_key_line(struct pctx *, const char *name);
void	pp_free(struct pctx *);

#endif
