/* Minimal test helpers shared by the C test programs: every check counts as passed or failed,
 * and each program ends with the line "<name>: N passed, N failed" that run.sh adds up. */
#ifndef BI_TEST_CHECK_H
#define BI_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks_passed = 0;
static int checks_failed = 0;

#define CHECK(cond, ...)                                                    \
  do {                                                                      \
    if (cond) {                                                             \
      checks_passed++;                                                      \
    } else {                                                                \
      checks_failed++;                                                      \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);       \
      fprintf(stderr, __VA_ARGS__);                                         \
      fputc('\n', stderr);                                                  \
    }                                                                       \
  } while (0)

/* Compares a string from the library and the length it wrote to *got_len with an expected C
 * string; NULL expected means the library must return NULL and a length of 0. (The length is
 * passed by pointer so that it is read after the call that writes it.) */
static inline int same_text(const char *got, const size_t *got_len, const char *want) {
  if (want == NULL) return got == NULL && *got_len == 0;
  return got != NULL && *got_len == strlen(want) && memcmp(got, want, *got_len) == 0 &&
         got[*got_len] == '\0';
}

static inline int finish(const char *name) {
  printf("%s: %d passed, %d failed\n", name, checks_passed, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}

#endif
