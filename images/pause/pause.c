/* The sandbox container of every pod: it holds the pod's network and IPC
 * namespaces while the application containers come and go. As PID 1 it gets
 * no default signal handling, so SIGTERM and SIGINT must be caught explicitly
 * for `docker stop` to end it at once rather than after the kill timeout; and
 * it reaps whatever orphans end up re-parented to it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts("skiff pause");
    return 0;
  }
  struct sigaction stop = {0};
  stop.sa_handler = on_stop;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);

  struct sigaction child = {0};
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigaction(SIGCHLD, &child, NULL);

  for (;;) pause();
}
