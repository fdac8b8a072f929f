/* A small HTTP/1.1 server for tests and demos: it answers with the name of
 * the pod it runs in, so a client behind a Service can tell which backend
 * answered. A thread per connection keeps the blocking endpoints (/delay,
 * /burn) from stalling other clients, and keep-alive plus one write per
 * response keeps it fast enough to measure a proxy against.
 *
 *   GET /            the pod name (env POD_NAME, else the hostname) and "\n"
 *   GET /hostname    the same
 *   GET /healthz     200 "ok"
 *   GET /ready       200, or 503 while the file /tmp/unready exists
 *   GET /burn?ms=N   spins the CPU for N ms, then answers like /
 *   GET /delay?ms=N  sleeps N ms, then answers like /
 *
 * Listens on env PORT (default 8080). */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE 8192
#define MAX_MS 600000L

static char pod_name[256];
static size_t pod_name_len;

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static long query_ms(const char *query, size_t len) {
  /* finds ms=N among the query parameters */
  size_t i = 0;
  while (i < len) {
    if ((i == 0 || query[i - 1] == '&') && i + 3 <= len && strncmp(query + i, "ms=", 3) == 0) {
      long v = 0;
      i += 3;
      while (i < len && query[i] >= '0' && query[i] <= '9') {
        v = v * 10 + (query[i] - '0');
        if (v > MAX_MS) return MAX_MS;
        i++;
      }
      return v;
    }
    i++;
  }
  return 0;
}

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static int respond(int fd, int code, const char *body, size_t body_len, int head_only, int keep_alive) {
  const char *text = code == 200 ? "OK" : code == 404 ? "Not Found" : code == 503 ? "Service Unavailable"
                   : code == 431 ? "Request Header Fields Too Large" : "Bad Request";
  char out[BUF_SIZE];
  int n = snprintf(out, sizeof out,
                   "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n%s\r\n",
                   code, text, body_len, keep_alive ? "" : "Connection: close\r\n");
  if (n < 0 || (size_t)n + body_len > sizeof out) return -1;
  if (!head_only) {
    memcpy(out + n, body, body_len);
    n += (int)body_len;
  }
  return write_all(fd, out, (size_t)n);
}

/* Case-insensitive search for a header's value inside the header block. */
static const char *header_value(const char *headers, const char *end, const char *name, size_t *vlen) {
  size_t nlen = strlen(name);
  const char *line = headers;
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (!eol) eol = end;
    if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
      const char *v = line + nlen + 1;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      const char *ve = eol;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ')) ve--;
      *vlen = (size_t)(ve - v);
      return v;
    }
    line = eol + 1;
  }
  return NULL;
}

static int handle(int fd, char *req, size_t req_len, int *keep_alive) {
  char *end = req + req_len;
  char *sp1 = memchr(req, ' ', req_len);
  if (!sp1) return respond(fd, 400, "bad request\n", 12, 0, 0), -1;
  char *target = sp1 + 1;
  char *sp2 = memchr(target, ' ', (size_t)(end - target));
  if (!sp2) return respond(fd, 400, "bad request\n", 12, 0, 0), -1;
  int head_only = (size_t)(sp1 - req) == 4 && strncmp(req, "HEAD", 4) == 0;
  int http10 = strncmp(sp2 + 1, "HTTP/1.0", 8) == 0;

  size_t vlen = 0;
  const char *conn = header_value(req, end, "Connection", &vlen);
  if (http10) *keep_alive = conn && vlen == 10 && strncasecmp(conn, "keep-alive", 10) == 0;
  else *keep_alive = !(conn && vlen == 5 && strncasecmp(conn, "close", 5) == 0);

  char *q = memchr(target, '?', (size_t)(sp2 - target));
  size_t path_len = (size_t)((q ? q : sp2) - target);
  const char *query = q ? q + 1 : sp2;
  size_t query_len = (size_t)(sp2 - query);

#define PATH_IS(p) (path_len == sizeof(p) - 1 && strncmp(target, p, sizeof(p) - 1) == 0)
  if (PATH_IS("/") || PATH_IS("/hostname")) {
    return respond(fd, 200, pod_name, pod_name_len, head_only, *keep_alive);
  }
  if (PATH_IS("/healthz")) return respond(fd, 200, "ok\n", 3, head_only, *keep_alive);
  if (PATH_IS("/ready")) {
    struct stat st;
    if (stat("/tmp/unready", &st) == 0) return respond(fd, 503, "unready\n", 8, head_only, *keep_alive);
    return respond(fd, 200, "ready\n", 6, head_only, *keep_alive);
  }
  if (PATH_IS("/burn")) {
    long until = now_ms() + query_ms(query, query_len);
    volatile unsigned long spin = 0;
    while (now_ms() < until) {
      for (int i = 0; i < 10000; i++) spin++;
    }
    return respond(fd, 200, pod_name, pod_name_len, head_only, *keep_alive);
  }
  if (PATH_IS("/delay")) {
    long ms = query_ms(query, query_len);
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    return respond(fd, 200, pod_name, pod_name_len, head_only, *keep_alive);
  }
#undef PATH_IS
  return respond(fd, 404, "not found\n", 10, head_only, *keep_alive);
}

static void *serve(void *arg) {
  int fd = (int)(long)arg;
  char *buf = malloc(BUF_SIZE);
  size_t have = 0;
  if (!buf) goto done;
  for (;;) {
    char *hdr_end = have >= 4 ? memmem(buf, have, "\r\n\r\n", 4) : NULL;
    if (!hdr_end) {
      if (have == BUF_SIZE) {
        respond(fd, 431, "header too large\n", 17, 0, 0);
        break;
      }
      ssize_t r = recv(fd, buf + have, BUF_SIZE - have, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      have += (size_t)r;
      continue;
    }
    size_t req_len = (size_t)(hdr_end - buf) + 4;
    size_t vlen = 0;
    const char *cl = header_value(buf, hdr_end, "Content-Length", &vlen);
    unsigned long body = cl ? strtoul(cl, NULL, 10) : 0;

    int keep_alive = 0;
    if (handle(fd, buf, req_len, &keep_alive) < 0 || !keep_alive) break;

    /* drop the request and its body, keep whatever pipelined bytes follow */
    size_t consumed = req_len;
    size_t in_buf = have - req_len;
    if (body <= in_buf) {
      consumed += body;
      body = 0;
    } else {
      consumed = have;
      body -= in_buf;
    }
    memmove(buf, buf + consumed, have - consumed);
    have -= consumed;
    while (body > 0) {
      ssize_t r = recv(fd, buf, body < BUF_SIZE ? body : BUF_SIZE, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) goto done;
      body -= (unsigned long)r;
    }
  }
done:
  free(buf);
  close(fd);
  return NULL;
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  struct sigaction stop = {0};
  stop.sa_handler = on_stop;
  sigaction(SIGTERM, &stop, NULL);
  sigaction(SIGINT, &stop, NULL);

  const char *name = getenv("POD_NAME");
  if (name && *name) {
    snprintf(pod_name, sizeof pod_name - 1, "%s", name);
  } else if (gethostname(pod_name, sizeof pod_name - 2) != 0) {
    strcpy(pod_name, "unknown");
  }
  pod_name[sizeof pod_name - 2] = '\0';
  pod_name_len = strlen(pod_name);
  pod_name[pod_name_len++] = '\n';
  pod_name[pod_name_len] = '\0';

  const char *port_env = getenv("PORT");
  int port = port_env && *port_env ? atoi(port_env) : 8080;
  if (port <= 0 || port > 65535) {
    fprintf(stderr, "echo-server: invalid PORT %s\n", port_env);
    return 2;
  }

  /* dual-stack when the kernel has IPv6, plain IPv4 otherwise */
  int lfd = socket(AF_INET6, SOCK_STREAM, 0);
  int one = 1, zero = 0;
  if (lfd >= 0) {
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    struct sockaddr_in6 a6 = {0};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_any;
    a6.sin6_port = htons((unsigned short)port);
    if (bind(lfd, (struct sockaddr *)&a6, sizeof a6) != 0) {
      close(lfd);
      lfd = -1;
    }
  }
  if (lfd < 0) {
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0) {
      perror("echo-server: socket");
      return 1;
    }
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a4 = {0};
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_ANY);
    a4.sin_port = htons((unsigned short)port);
    if (bind(lfd, (struct sockaddr *)&a4, sizeof a4) != 0) {
      perror("echo-server: bind");
      return 1;
    }
  }
  if (listen(lfd, 1024) != 0) {
    perror("echo-server: listen");
    return 1;
  }
  printf("echo-server: listening on port %d as %.*s\n", port, (int)(pod_name_len - 1), pod_name);
  fflush(stdout);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  for (;;) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
        if (errno == EMFILE || errno == ENFILE) usleep(10000);
        continue;
      }
      perror("echo-server: accept");
      return 1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pthread_t t;
    if (pthread_create(&t, &attr, serve, (void *)(long)fd) != 0) close(fd);
  }
}
