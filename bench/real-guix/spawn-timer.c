/* spawn-timer: how long a helper takes from spawn to its first reply, or to its exit.

     spawn-timer INPUT-FILE PROGRAM [ARG...]

   Starts PROGRAM with its stdin a pipe (stdout a pipe, stderr /dev/null), writes INPUT-FILE's
   bytes to it at once, as guix-daemon writes its first request right after starting the helper,
   and reads one reply the way the daemon does (CODE, a space, LEN, a colon, LEN bytes). Then it
   closes the pipe and waits for the exit. An empty INPUT-FILE (/dev/null) means no request:
   the pipe is closed at once and only the exit is timed. Prints one line:
     reply-us EXIT-us user-us sys-us
   (reply-us is 0 without a request; user and sys are the child's CPU time, all threads). The
   reply bytes go to stdout after that line, so callers can compare them. In C, so that the
   timer's own event loop is not part of the figure. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void die(const char *what) { fprintf(stderr, "spawn-timer: %s\n", what); exit(2); }

int main(int argc, char **argv) {
  if (argc < 3) die("usage: spawn-timer INPUT-FILE PROGRAM [ARG...]");
  static char input[1 << 20];
  size_t input_len = 0;
  FILE *f = fopen(argv[1], "rb");
  if (!f) die("cannot open the input file");
  input_len = fread(input, 1, sizeof input, f);
  fclose(f);
  signal(SIGPIPE, SIG_IGN);

  int in[2], out[2];
  if (pipe(in) || pipe(out)) die("pipe");
  double start = now_us();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(in[0], 0); dup2(out[1], 1); dup2(null, 2);
    close(in[0]); close(in[1]); close(out[0]); close(out[1]); close(null);
    execvp(argv[2], argv + 2);
    _exit(127);
  }
  close(in[0]); close(out[1]);
  static char reply[1 << 20];
  size_t got = 0;
  double reply_at = 0;
  if (input_len) {
    for (size_t off = 0; off < input_len;) {
      ssize_t w = write(in[1], input + off, input_len - off);
      if (w <= 0) die("the helper closed its input");
      off += (size_t)w;
    }
    /* CODE ' ' LEN ':' then LEN bytes. */
    for (;;) {
      ssize_t r = read(out[0], reply + got, sizeof reply - got);
      if (r <= 0) die("the helper ended without a reply");
      got += (size_t)r;
      char *sp = memchr(reply, ' ', got);
      char *colon = sp ? memchr(sp, ':', got - (size_t)(sp - reply)) : NULL;
      if (colon && got >= (size_t)(colon + 1 - reply) + strtoul(sp + 1, NULL, 10)) break;
    }
    reply_at = now_us();
  }
  close(in[1]);
  /* Drain whatever else it writes until it exits. */
  char sink[4096];
  while (read(out[0], sink, sizeof sink) > 0) {}
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) != pid) die("wait4");
  double exit_at = now_us();
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) die("the helper did not run or was killed");
  printf("%.0f %.0f %ld %ld\n", input_len ? reply_at - start : 0, exit_at - start,
         ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec, ru.ru_stime.tv_sec * 1000000L + ru.ru_stime.tv_usec);
  fwrite(reply, 1, got, stdout);
  return 0;
}
