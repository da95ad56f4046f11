/*
 * libFuzzer target for the configuration parser (cfgd/config.c): the
 * comment/include preprocessor, libconfuse and every validation rule.
 * The input is the file.  It is written to a private directory under
 * $TMPDIR which also holds a few files to include; include names with a
 * '/' (or the input's own name) are not fuzzed, so a run reads nothing
 * outside that directory and cannot blow up exponentially.
 *
 * Beyond "no crash": a configuration that parses must print back
 * (config_print) to text that parses again and prints the same.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "cfgd/cfgd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FZ_INPUT	"fuzz.conf"

static char	 fz_dir[512];
static char	 fz_path[600], fz_print[600];
static FILE	*fz_errs;

static const struct {
	const char	*name, *text;
} fz_files[] = {
	{ "mqtt.conf", "mqtt {\n host = \"broker\"\n port = 8883\n"
	    " passwd = \"secret\"\n}\n" },
	{ "dev.conf", "inverter \"R170000000000001\" {\n"
	    "    node_id = \"inv_1\"\n    modbus_polling = false\n}\n"
	    "include(\"pv.conf\")\n" },
	{ "pv.conf", "battery \"4100000000000001\" {\n monitor_sn = 2000000000\n"
	    " pv1 { type = \"RSM40-8-410M\" manufacturer = \"Risen\" }\n}\n" },
	{ "loop.conf", "# includes itself\ninclude(\"loop.conf\")\n" },
	{ "bad.conf", "mqtt { port = 0 }\n/* unterminated" },
	{ "empty.conf", "" },
};

static void
fz_cleanup(void)
{
	char	 p[600];
	size_t	 i;

	for (i = 0; i < sizeof(fz_files) / sizeof(fz_files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fz_dir, fz_files[i].name);
		unlink(p);
	}
	unlink(fz_path);
	unlink(fz_print);
	rmdir(fz_dir);
}

static void
fz_init(void)
{
	const char	*tmp;
	char		 p[600];
	FILE		*f;
	size_t		 i;

	/* the printed file holds a (masked) password: no warning */
	umask(077);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(fz_dir, sizeof(fz_dir), "%s/fuzz_config.XXXXXX", tmp);
	if (mkdtemp(fz_dir) == NULL) {
		perror(fz_dir);
		abort();
	}
	snprintf(fz_path, sizeof(fz_path), "%s/%s", fz_dir, FZ_INPUT);
	snprintf(fz_print, sizeof(fz_print), "%s/printed.conf", fz_dir);
	for (i = 0; i < sizeof(fz_files) / sizeof(fz_files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", fz_dir, fz_files[i].name);
		if ((f = fopen(p, "w")) == NULL ||
		    fputs(fz_files[i].text, f) == EOF || fclose(f) != 0)
			abort();
	}
	if ((fz_errs = fopen("/dev/null", "w")) == NULL)
		abort();
	atexit(fz_cleanup);
}

/*
 * Is every include("name") the preprocessor could expand one of ours?
 * A superset of what pp_include matches: every "include" anywhere.
 */
static int
fz_includes_ok(const char *s, size_t n)
{
	const char	*p = s, *e = s + n, *q;
	size_t		 len;

	while ((p = memmem(p, e - p, "include", 7)) != NULL) {
		p += 7;
		q = p;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= e || *q++ != '(')
			continue;
		while (q < e && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= e || *q++ != '"')
			continue;
		for (len = 0; q + len < e && q[len] != '"' && q[len] != '\n';
		    len++)
			if (q[len] == '/' || q[len] == '\0')
				return 0;
		if (len == strlen(FZ_INPUT) && memcmp(q, FZ_INPUT, len) == 0)
			return 0;
		if (len == strlen("printed.conf") &&
		    memcmp(q, "printed.conf", len) == 0)
			return 0;
	}
	return 1;
}

static int
fz_write(const char *path, const void *p, size_t n)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	if (n > 0 && fwrite(p, 1, n, f) != n) {
		fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static char *
fz_printed(const struct tsun_conf *c, size_t *len)
{
	char	*s = NULL;
	FILE	*f;

	if ((f = open_memstream(&s, len)) == NULL)
		abort();
	config_print(f, c);
	if (fclose(f) != 0)
		abort();
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tsun_conf	*c, *c2;
	char			*s1, *s2;
	size_t			 l1, l2;

	if (fz_errs == NULL)
		fz_init();
	if (!fz_includes_ok((const char *)data, size))
		return -1;
	if (fz_write(fz_path, data, size) == -1)
		abort();
	if ((c = config_parse(fz_path, 0, fz_errs)) == NULL)
		return 0;

	s1 = fz_printed(c, &l1);
	if (fz_write(fz_print, s1, l1) == -1)
		abort();
	if ((c2 = config_parse(fz_print, 0, fz_errs)) == NULL) {
		fprintf(stderr, "fuzz_config: the printed configuration "
		    "does not parse:\n%s\n", s1);
		config_parse(fz_print, 0, stderr);
		abort();
	}
	s2 = fz_printed(c2, &l2);
	if (l1 != l2 || memcmp(s1, s2, l1) != 0) {
		fprintf(stderr, "fuzz_config: printed twice differs:\n"
		    "--- first\n%s\n--- second\n%s\n", s1, s2);
		abort();
	}
	free(s1);
	free(s2);
	conf_free(c2);
	conf_free(c);
	return 0;
}
