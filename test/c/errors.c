/* Status messages, the version, and the last error being per thread: a failure on one thread
 * leaves another thread's message alone. argv[1] is the expected version (package.json's). */
#include <pthread.h>

#include "check.h"

static int thread_ok = 0;

static void* other_thread(void* arg) {
  (void)arg;
  /* A fresh thread has no error yet; its own failure is its own message. */
  if (speclin_last_error()[0] != '\0') return NULL;
  double x[4];
  if (speclin_dgram(NULL, x, 1, 2, 2) != SPECLIN_ERR_ARGUMENT) return NULL;
  thread_ok = strstr(speclin_last_error(), "speclin_dgram: Z is NULL") != NULL;
  return NULL;
}

int main(int argc, char** argv) {
  CHECK(argc == 2, "usage: errors VERSION");
  CHECK(strcmp(speclin_version(), argv[1]) == 0, "speclin_version() = %s, package.json says %s", speclin_version(), argv[1]);
  const speclin_status all[] = {SPECLIN_OK, SPECLIN_ERR_ARGUMENT, SPECLIN_ERR_NO_MEMORY, SPECLIN_ERR_INTERNAL,
                                SPECLIN_ERR_GRAPH, SPECLIN_ERR_NOT_CONVERGED, SPECLIN_ERR_CALLBACK};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    CHECK(speclin_status_message(all[i]) != NULL && speclin_status_message(all[i])[0] != '\0', "status %d has no message", (int)all[i]);
  CHECK(strcmp(speclin_status_message((speclin_status)99), "unknown status") == 0, "an unknown status");
  CHECK(speclin_last_error()[0] == '\0', "a last error before any failure");
  float f[4];
  CHECK_ERROR(speclin_sgram(f, NULL, 1, 2, 2), SPECLIN_ERR_ARGUMENT, "speclin_sgram: out is NULL");
  /* A successful call leaves the last failure's message in place. */
  CHECK_OK(speclin_sgram(NULL, NULL, 0, 1, 1));
  CHECK(strstr(speclin_last_error(), "speclin_sgram: out is NULL") != NULL, "message lost after a success");
  pthread_t t;
  CHECK(pthread_create(&t, NULL, other_thread, NULL) == 0, "pthread_create");
  pthread_join(t, NULL);
  CHECK(thread_ok, "the other thread did not see its own error");
  CHECK(strstr(speclin_last_error(), "speclin_sgram: out is NULL") != NULL, "another thread's failure changed this thread's message");
  puts("ok");
  return 0;
}
