/* daemon-driver: the throughput half of bench/authenticate.mjs, in C on both sides.

   It plays guix-daemon's part the way the daemon does it (the daemon is C++): starts the helper
   once, with its stdout and stderr on one pipe and working directory /, then sends one request
   and reads exactly one reply at a time (digits, a separator, digits, a separator, LEN bytes, as
   readAuthenticateReply does). In the same process, interleaved round by round so that both see
   the same machine load, it times libgcrypt doing the same signatures and verifications
   in-process: the baseline the helper's lock-step rate is compared with.

   daemon-driver HELPER-PROGRAM CONFIG-DIR SEC PUB N ROUNDS
     -> "helper sign S verify S nop S" and "libgcrypt sign S verify S" (seconds, totals over the
        rounds), after checking every signature and every returned hash.

   Build: cc -O2 -o daemon-driver daemon-driver.c $(libgcrypt-config --cflags --libs)  */
#include <gcrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static int to_helper, from_helper;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void die(const char *what) { fprintf(stderr, "daemon-driver: %s\n", what); exit(2); }

static void write_all(const char *b, size_t n) {
  while (n) { ssize_t w = write(to_helper, b, n); if (w <= 0) die("write to helper"); b += w; n -= w; }
}

/* One byte from the helper, buffered. */
static unsigned char rbuf[1 << 16]; static size_t rpos, rlen;
static int get(void) {
  if (rpos == rlen) { ssize_t r = read(from_helper, rbuf, sizeof rbuf); if (r <= 0) die("helper closed its output"); rpos = 0; rlen = r; }
  return rbuf[rpos++];
}
static long digits(void) { long v = 0; int c; while ((c = get()) >= '0' && c <= '9') v = v * 10 + (c - '0'); return v; }

/* readAuthenticateReply: CODE, separator, LEN, separator, LEN bytes. */
static int reply(char **payload, size_t *len) {
  int code = (int)digits();
  size_t n = (size_t)digits();
  char *p = malloc(n + 1);
  for (size_t i = 0; i < n; i++) p[i] = (char)get();
  p[n] = 0; *payload = p; *len = n;
  return code;
}

static void request(const char *cmd, const char *a, size_t alen, const char *b, size_t blen) {
  char head[64];
  write_all(cmd, strlen(cmd));
  if (a) { int h = snprintf(head, sizeof head, " %zu:", alen); write_all(head, h); write_all(a, alen); }
  if (b) { int h = snprintf(head, sizeof head, " %zu:", blen); write_all(head, h); write_all(b, blen); }
  write_all("\n", 1);
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb"); if (!f) die(path);
  char *b = malloc(1 << 20); *len = fread(b, 1, 1 << 20, f); fclose(f); return b;
}

static const char *flags_for(gcry_sexp_t pub) {
  gcry_sexp_t algo = gcry_sexp_nth(pub, 1); size_t n; const char *d = gcry_sexp_nth_data(algo, 0, &n);
  return n == 3 && !memcmp(d, "rsa", 3) ? "pkcs1" : "rfc6979";
}

int main(int argc, char **argv) {
  if (argc != 7) die("usage: daemon-driver HELPER CONFIG-DIR SEC PUB N ROUNDS");
  const char *helper = argv[1], *sec_file = argv[3], *pub_file = argv[4];
  int n = atoi(argv[5]), rounds = atoi(argv[6]), per = n / rounds;
  if (!gcry_check_version(NULL)) die("libgcrypt");
  gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);

  int in[2], out[2];
  if (pipe(in) || pipe(out)) die("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0); dup2(out[1], 1); dup2(out[1], 2); /* stderr on the reply pipe, as the daemon does */
    close(in[1]); close(out[0]);
    if (chdir("/")) _exit(127);
    setenv("GUIX_CONFIGURATION_DIRECTORY", argv[2], 1);
    execl(helper, helper, "authenticate", (char *)NULL);
    _exit(127);
  }
  close(in[0]); close(out[1]);
  to_helper = in[1]; from_helper = out[0];

  size_t sl, pl; char *st = slurp(sec_file, &sl), *pt = slurp(pub_file, &pl);
  gcry_sexp_t sec, pub;
  if (gcry_sexp_new(&sec, st, sl, 1) || gcry_sexp_new(&pub, pt, pl, 1)) die("key files");
  const char *flags = flags_for(pub);

  char **sigs = calloc(per, sizeof *sigs); size_t *siglen = calloc(per, sizeof *siglen);
  gcry_sexp_t *data = calloc(per, sizeof *data), *gsig = calloc(per, sizeof *gsig);
  char *payload; size_t plen;
  request("nop", NULL, 0, NULL, 0); reply(&payload, &plen); free(payload); /* started and serving */

  double h_sign = 0, h_verify = 0, g_sign = 0, g_verify = 0;
  for (int round = 0; round < rounds; round++) {
    char hex[65], text[256];
    /* libgcrypt in-process: the same hashes, as gcry-oracle's bench does. */
    for (int i = 0; i < per; i++) {
      snprintf(text, sizeof text, "(data (flags %s) (hash sha256 #%064x#))", flags, round * per + i + 1);
      if (gcry_sexp_new(&data[i], text, strlen(text), 1)) die("data");
    }
    double t0 = now();
    for (int i = 0; i < per; i++) if (gcry_pk_sign(&gsig[i], data[i], sec)) die("libgcrypt sign");
    double t1 = now();
    for (int i = 0; i < per; i++) if (gcry_pk_verify(gsig[i], data[i], pub)) die("libgcrypt verify");
    double t2 = now();
    g_sign += t1 - t0; g_verify += t2 - t1;
    for (int i = 0; i < per; i++) { gcry_sexp_release(data[i]); gcry_sexp_release(gsig[i]); }

    /* The helper, in lock-step. */
    t0 = now();
    for (int i = 0; i < per; i++) {
      snprintf(hex, sizeof hex, "%064x", round * per + i + 1);
      request("sign", sec_file, strlen(sec_file), hex, 64);
      if (reply(&sigs[i], &siglen[i]) != 0) { fprintf(stderr, "sign failed: %s\n", sigs[i]); return 1; }
    }
    t1 = now();
    for (int i = 0; i < per; i++) {
      snprintf(hex, sizeof hex, "%064x", round * per + i + 1);
      request("verify", sigs[i], siglen[i], NULL, 0);
      if (reply(&payload, &plen) != 0 || plen != 64 || memcmp(payload, hex, 64)) { fprintf(stderr, "verify failed: %s\n", payload); return 1; }
      free(payload); free(sigs[i]);
    }
    t2 = now();
    h_sign += t1 - t0; h_verify += t2 - t1;
  }
  /* The protocol alone: requests that do no crypto (404 replies). */
  double t0 = now();
  for (int i = 0; i < n; i++) { request("nop", NULL, 0, NULL, 0); reply(&payload, &plen); free(payload); }
  double nop = now() - t0;

  close(to_helper);
  int status; waitpid(pid, &status, 0);
  printf("helper sign %.6f verify %.6f nop %.6f\nlibgcrypt sign %.6f verify %.6f\n", h_sign, h_verify, nop, g_sign, g_verify);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
