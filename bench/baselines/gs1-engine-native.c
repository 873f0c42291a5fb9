/*
 * The GS1 Barcode Syntax Engine's native C build as a baseline for the parser suite: the same
 * settings as baselines/gs1-engine.ts (unknown AIs refused, req and UnknownAInotDLattr on, no
 * zero-suppressed GTIN in Digital Link) and the same input forms as parser-inputs.ts.
 *
 *   gs1-engine-native < scans.txt > out.jsonl      one JSON per scan: {"ok":true,"hri":[…]} or {"ok":false,"error":"…"}
 *   gs1-engine-native --time ROUNDS < scans.txt    in process: µs/scan of validate, and of validate + HRI
 *
 * Build it beside the engine's library (bench/README.md):
 *   cc -O2 -I$ENGINE/src/c-lib bench/baselines/gs1-engine-native.c $ENGINE/src/c-lib/build/libgs1encoders.a -o /tmp/gs1-engine-native
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "gs1encoders.h"

#define MAX_LINE 8192

static gs1_encoder *ctx;

/* The scan in the form the engine reads, as parser-inputs.ts engineInput(); 0 when it reads none. */
static int validate(const char *text, char *buf) {
	const char *data = text;
	char aim[4] = "";
	if (text[0] == ']' && strlen(text) >= 3) { memcpy(aim, text, 3); aim[3] = 0; data = text + 3; }
	if (strncasecmp(data, "http://", 7) == 0 || strncasecmp(data, "https://", 8) == 0) {
		snprintf(buf, MAX_LINE + 8, "%s%s", aim[0] ? aim : "]Q1", data);
		return gs1_encoder_setScanData(ctx, buf) ? 1 : -1;
	}
	if (data[0] == '(') return gs1_encoder_setAIdataStr(ctx, data) ? 1 : -1;
	if (aim[0]) return gs1_encoder_setScanData(ctx, text) ? 1 : -1;
	if (data[0] == 0x1d) { snprintf(buf, MAX_LINE + 8, "]d2%s", data + 1); return gs1_encoder_setScanData(ctx, buf) ? 1 : -1; }
	if (data[0] >= '0' && data[0] <= '9') { snprintf(buf, MAX_LINE + 8, "]d2%s", data); return gs1_encoder_setScanData(ctx, buf) ? 1 : -1; }
	return 0;
}

static void json_string(const char *s) {
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') { putchar('\\'); putchar(c); }
		else if (c < 0x20) printf("\\u%04x", c);
		else putchar(c);
	}
	putchar('"');
}

static int by_value(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double seconds(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	ctx = gs1_encoder_init_ex(NULL, NULL);
	if (!ctx) { fprintf(stderr, "gs1_encoder_init_ex failed\n"); return 2; }
	gs1_encoder_setPermitUnknownAIs(ctx, false);
	gs1_encoder_setPermitZeroSuppressedGTINinDLuris(ctx, false);
	gs1_encoder_setValidationEnabled(ctx, gs1_encoder_vREQUISITE_AIS, true);
	gs1_encoder_setValidationEnabled(ctx, gs1_encoder_vUNKNOWN_AI_NOT_DL_ATTR, true);

	static char line[MAX_LINE + 2], buf[MAX_LINE + 8];
	if (argc == 3 && strcmp(argv[1], "--time") == 0) {
		int rounds = atoi(argv[2]), n = 0, cap = 1024;
		char **lines = malloc(cap * sizeof *lines);
		while (fgets(line, sizeof line, stdin)) {
			line[strcspn(line, "\r\n")] = 0;
			if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
			lines[n++] = strdup(line);
		}
		double *us = malloc(rounds * sizeof *us);
		for (int hri = 0; hri <= 1; hri++) {
			long sink = 0;
			for (int r = 0; r < rounds; r++) {
				double t0 = seconds();
				for (int i = 0; i < n; i++) {
					if (validate(lines[i], buf) == 1 && hri) { char **h; sink += gs1_encoder_getHRI(ctx, &h); }
				}
				us[r] = (seconds() - t0) * 1e6 / n;
			}
			qsort(us, rounds, sizeof *us, by_value);
			printf("{\"case\":\"%s\",\"scans\":%d,\"rounds\":%d,\"medianUsPerScan\":%.4f,\"minUsPerScan\":%.4f,\"sink\":%ld}\n",
			       hri ? "validate + HRI" : "validate", n, rounds, us[rounds / 2], us[0], sink);
		}
		return 0;
	}
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		int ok = validate(line, buf);
		if (ok == 1) {
			char **h;
			int k = gs1_encoder_getHRI(ctx, &h);
			fputs("{\"ok\":true,\"hri\":[", stdout);
			for (int i = 0; i < k; i++) { if (i) putchar(','); json_string(h[i]); }
			fputs("]}\n", stdout);
		} else if (ok == -1) {
			fputs("{\"ok\":false,\"error\":", stdout);
			json_string(gs1_encoder_getErrMsg(ctx));
			fputs("}\n", stdout);
		} else fputs("{\"ok\":false,\"error\":\"not GS1\"}\n", stdout);
	}
	gs1_encoder_free(ctx);
	return 0;
}
