/*
 * http: the web console over evhttp. Refusals before dispatch (origin, CSRF,
 * size, type, method, path) are HTTP statuses with a JSON body; everything
 * past them is one Envelope through rpc's dispatch, answered 200 with one
 * Envelope. The session of a browser lives in an HttpOnly cookie, bound to
 * the CSRF header by a hash (README "Web console", COMMON13 contract).
 */
#include "http.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#include "conn.h"
#include "log.h"
#include "peer.h"
#include "rpc.h"
#include "server.h"
#include "session.h"
#include "text.h"

#define HTTP_API_PATH      "/api/v2/rpc"
#define HTTP_COOKIE        "yanxiu_session"
#define HTTP_CSRF_HEADER   "X-Yanxiu-Csrf"
#define HTTP_CSRF_PREFIX   "yanxiu-csrf:"
#define HTTP_CSRF_HEX      (2 * crypto_hash_sha256_BYTES)
#define HTTP_FILES_MAX     4096
#define HTTP_FILES_BYTES   (64u * 1024u * 1024u) /* the console's files together */
#define HTTP_FILE_DEPTH    8
#define HTTP_PROTOBUF_TYPE "application/x-protobuf"

static const char http_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/* What GET / answers when web_root has no index.html. */
static const char http_not_installed[] =
    "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
    "<title>研修学时管理</title></head><body>\n"
    "<h1>网页控制台尚未安装</h1>\n"
    "<p>服务器 yanxiud 正在运行，但没有找到网页控制台的文件。请管理员安装网页控制台"
    "（配置项 [http] web_root 所指的目录），然后重新加载服务（systemctl reload yanxiud）。</p>\n"
    "<p>The web console is not installed: its files were not found in [http] web_root.</p>\n"
    "</body></html>\n";

/* One file of the console, in memory. */
struct http_file {
    char *path; /* as requested: "/index.html", "/assets/index-3f2a.js" */
    uint8_t *data;
    size_t len;
    const char *type;
    char etag[2 + 2 * 16 + 1]; /* "\"<32 hex>\"" */
    bool immutable;            /* under /assets/: hashed names, cached for a year */
    /* The same compressed with gzip (text files, when it is smaller), sent to
     * a browser that accepts it: the console's script is a third of its size
     * then, which counts on a village school's line. NULL: sent as it is. */
    uint8_t *gz;
    size_t gz_len;
    char gz_etag[2 + 2 * 16 + 3 + 1]; /* "\"<32 hex>-gz\"": another representation */
};

struct http_files {
    struct http_file *v; /* sorted by path */
    size_t n;
    size_t bytes;
    size_t skipped;       /* files of a kind not served */
    char skipped_one[64]; /* one of them, for the log */
};

struct http {
    struct server *srv;
    struct evhttp *eh;
    struct evhttp_bound_socket *bound;
    bool tls; /* false: plaintext ([http] plaintext, loopback only) */
    struct http_files files;
    bool draining;
    int writing; /* API answers handed to evhttp and not yet sent (or failed) */
};

struct http_call {
    struct http *h;
    struct evhttp_request *req;      /* until answered or gone */
    struct evhttp_connection *evcon; /* its connection, as long as req */
    bool gone;                       /* the browser's connection closed before the answer */
    struct event *hangup;            /* the client's FIN while the request is being answered */
    bool tls;
    bool login;   /* a Login: its token goes into the cookie */
    bool logout;  /* a Logout: the answer clears the cookie */
    bool replied; /* an answer was handed to evhttp */
    int session_ttl;
    size_t max_frame;
};

/* ---- static files ---- */

static const struct {
    const char *ext, *type;
} http_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".woff2", "font/woff2"},
    {".json", "application/json"},
    {".ico", "image/x-icon"},
    {".map", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".gif", "image/gif"},
    {".webp", "image/webp"},
    {".woff", "font/woff"},
    {".ttf", "font/ttf"},
    {".webmanifest", "application/manifest+json"},
};

/* The Content-Type of a file by its extension; NULL for a kind not served. */
static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof(http_types) / sizeof(http_types[0]); i++)
        if (strcasecmp(dot, http_types[i].ext) == 0)
            return http_types[i].type;
    return NULL;
}

static void files_free(struct http_files *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->v[i].path);
        free(f->v[i].data);
        free(f->v[i].gz);
    }
    free(f->v);
    memset(f, 0, sizeof(*f));
}

/* Whether files of this type are worth compressing (text; images and fonts are already). */
static bool type_compresses(const char *type)
{
    return strncmp(type, "text/", 5) == 0 || strstr(type, "javascript") || strstr(type, "json") ||
           strstr(type, "svg");
}

/* Sets hf->gz to the file compressed with gzip when that is smaller; left NULL otherwise
 * (or when out of memory: the file is then sent as it is). */
static void file_compress(struct http_file *hf)
{
    if (hf->len < 1024 || !type_compresses(hf->type))
        return;
    z_stream z;
    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip wrapper, as Content-Encoding: gzip wants */
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return;
    uLong cap = deflateBound(&z, (uLong)hf->len);
    uint8_t *out = malloc(cap);
    if (out) {
        z.next_in = hf->data;
        z.avail_in = (uInt)hf->len;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out < hf->len) {
            hf->gz = out;
            hf->gz_len = z.total_out;
            out = NULL;
            snprintf(hf->gz_etag, sizeof(hf->gz_etag), "%.*s-gz\"", (int)strlen(hf->etag) - 1,
                     hf->etag);
        }
        free(out);
    }
    deflateEnd(&z);
}

/*
 * Adds the files under dir (the URL path `prefix`) to f. Names starting with
 * "." are skipped, as are kinds not served. False with a message in err.
 */
static bool files_scan(struct http_files *f, const char *dir, const char *prefix, int depth,
                       char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    struct dirent *de;
    while (ok && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char full[4096], path[4096];
        if (snprintf(full, sizeof(full), "%s/%s", dir, de->d_name) >= (int)sizeof(full) ||
            snprintf(path, sizeof(path), "%s/%s", prefix, de->d_name) >= (int)sizeof(path))
            continue;
        struct stat st;
        if (stat(full, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth < HTTP_FILE_DEPTH)
                ok = files_scan(f, full, path, depth + 1, err, errlen);
            continue;
        }
        const char *type = type_of(de->d_name);
        if (!S_ISREG(st.st_mode))
            continue;
        if (!type) {
            if (!f->skipped++)
                snprintf(f->skipped_one, sizeof(f->skipped_one), "%.60s", path);
            continue;
        }
        if (f->n >= HTTP_FILES_MAX || f->bytes + (size_t)st.st_size > HTTP_FILES_BYTES) {
            snprintf(err, errlen, "more than %d files or %u MiB under the web root, the most read",
                     HTTP_FILES_MAX, HTTP_FILES_BYTES >> 20);
            ok = false;
            break;
        }
        struct http_file *grown = realloc(f->v, (f->n + 1) * sizeof(*f->v));
        if (!grown) {
            snprintf(err, errlen, "out of memory");
            ok = false;
            break;
        }
        f->v = grown;
        struct http_file *hf = &f->v[f->n];
        memset(hf, 0, sizeof(*hf));
        size_t got = 0;
        if (!text_read_file(full, HTTP_FILES_BYTES - f->bytes, &hf->data, &got)) {
            snprintf(err, errlen, "%.400s: %s", full, strerror(errno));
            ok = false;
            break;
        }
        hf->path = strdup(path);
        if (!hf->path) {
            free(hf->data);
            snprintf(err, errlen, "out of memory");
            ok = false;
            break;
        }
        hf->len = got;
        hf->type = type;
        hf->immutable = strncmp(path, "/assets/", 8) == 0;
        uint8_t h[16];
        crypto_generichash(h, sizeof(h), hf->data, hf->len, NULL, 0);
        hf->etag[0] = '"';
        sodium_bin2hex(hf->etag + 1, sizeof(hf->etag) - 2, h, sizeof(h));
        strcat(hf->etag, "\"");
        file_compress(hf);
        f->bytes += hf->len;
        f->n++;
    }
    closedir(d);
    return ok;
}

/* Whether the request's Accept-Encoding names gzip (without q=0). */
static bool accepts_gzip(struct evhttp_request *req)
{
    const char *ae = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept-Encoding");
    for (const char *p = ae; p && (p = strcasestr(p, "gzip")); p += 4) {
        bool start = p == ae || p[-1] == ' ' || p[-1] == ',';
        const char *end = p + 4;
        while (*end == ' ')
            end++;
        if (!start || (*end && *end != ',' && *end != ';'))
            continue;
        const char *q = *end == ';' ? strstr(end, "q=") : NULL;
        const char *comma = strchr(end, ',');
        if (q && (!comma || q < comma) && strtod(q + 2, NULL) == 0)
            return false;
        return true;
    }
    return false;
}

static int file_cmp(const void *a, const void *b)
{
    return strcmp(((const struct http_file *)a)->path, ((const struct http_file *)b)->path);
}

/* Reads web_root into h->files; on failure keeps what h had and logs why. */
static void files_load(struct http *h, const char *root)
{
    struct http_files next = {0};
    char err[512] = "";
    if (!files_scan(&next, root, "", 0, err, sizeof(err))) {
        files_free(&next);
        log_warn("[http] web_root: %s; %s", err,
                 h->files.n ? "keeping the console's files read before"
                            : "the web console is not served (the API is)");
        return;
    }
    qsort(next.v, next.n, sizeof(*next.v), file_cmp);
    bool index = false;
    for (size_t i = 0; i < next.n; i++)
        index |= strcmp(next.v[i].path, "/index.html") == 0;
    files_free(&h->files);
    h->files = next;
    if (next.skipped)
        log_warn("[http] web_root = %s: %zu files of a kind not served were left out (e.g. %s); "
                 "served are .html .js .css .svg .png .jpg .gif .webp .woff2 .woff .ttf .json "
                 ".ico .map .txt",
                 root, next.skipped, next.skipped_one);
    if (index)
        log_info("web console: %zu files (%zu bytes) read from %s", next.n, next.bytes, root);
    else
        log_warn("[http] web_root = %s has no index.html: GET / answers that the web console is "
                 "not installed (the API is served)",
                 root);
}

static const struct http_file *file_find(const struct http *h, const char *path)
{
    struct http_file key = {.path = (char *)path};
    return bsearch(&key, h->files.v, h->files.n, sizeof(key), file_cmp);
}

/* ---- answers ---- */

static void add_headers(const struct http *h, struct evhttp_request *req, bool tls)
{
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Security-Policy", http_csp);
    evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(out, "Referrer-Policy", "no-referrer");
    evhttp_add_header(out, "X-Frame-Options", "DENY");
    if (tls)
        evhttp_add_header(out, "Strict-Transport-Security", "max-age=31536000");
    (void)h;
}

static const char *status_text(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

static const char *method_name(struct evhttp_request *req)
{
    switch (evhttp_request_get_command(req)) {
    case EVHTTP_REQ_GET:
        return "GET";
    case EVHTTP_REQ_HEAD:
        return "HEAD";
    case EVHTTP_REQ_POST:
        return "POST";
    case EVHTTP_REQ_PUT:
        return "PUT";
    case EVHTTP_REQ_DELETE:
        return "DELETE";
    case EVHTTP_REQ_OPTIONS:
        return "OPTIONS";
    case EVHTTP_REQ_PATCH:
        return "PATCH";
    default:
        return "?";
    }
}

/* Appends s as a JSON string (quoted, escaped). */
static void json_string(struct evbuffer *b, const char *s)
{
    evbuffer_add(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            evbuffer_add_printf(b, "\\%c", c);
        else if (c < 0x20)
            evbuffer_add_printf(b, "\\u%04x", c);
        else
            evbuffer_add(b, s, 1);
    }
    evbuffer_add(b, "\"", 1);
}

/*
 * Refuses a request before dispatch: `status` with {"code", "message"}, the
 * message of the reason code (daemon/reasons.def) in `lang` with its
 * arguments (pairs ended by NULL).
 */
static void refuse(struct http *h, struct evhttp_request *req, enum msg_lang lang, int status,
                   const char *reason, ...) __attribute__((sentinel));
static void refuse(struct http *h, struct evhttp_request *req, enum msg_lang lang, int status,
                   const char *reason, ...)
{
    va_list ap;
    va_start(ap, reason);
    Yanxiu__V1__Error err;
    struct rpc_reason_buf rb;
    rpc_reason_error(&err, &rb, lang, 0, reason, ap);
    va_end(ap);
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    char *addr = NULL;
    uint16_t port = 0;
    if (evcon)
        evhttp_connection_get_peer(evcon, &addr, &port);
    log_info("http %s: %s %.200s: %d %s", addr ? addr : "?", method_name(req),
             evhttp_request_get_uri(req), status, reason);
    struct evbuffer *b = evbuffer_new();
    if (b) {
        evbuffer_add_printf(b, "{\"code\": ");
        json_string(b, reason);
        evbuffer_add_printf(b, ", \"message\": ");
        json_string(b, rb.message);
        evbuffer_add_printf(b, "}\n");
    }
    add_headers(h, req, h->tls);
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", "application/json; charset=utf-8");
    evhttp_add_header(out, "Cache-Control", "no-store");
    if (status == 405)
        evhttp_add_header(out, "Allow",
                          strcmp(evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)) ?: "",
                                 HTTP_API_PATH) == 0
                              ? "POST"
                              : "GET, HEAD");
    if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD && b) {
        char len[24];
        snprintf(len, sizeof(len), "%zu", evbuffer_get_length(b));
        evhttp_add_header(out, "Content-Length", len);
        evbuffer_drain(b, evbuffer_get_length(b));
    }
    evhttp_send_reply(req, status, status_text(status), b);
    if (b)
        evbuffer_free(b);
}

/* The language of a request's messages: X-Yanxiu-Language, else the first
 * zh* or en* of Accept-Language, else Chinese. */
static enum msg_lang request_lang(struct evhttp_request *req)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    enum msg_lang lang = MSG_ZH_CN;
    const char *x = evhttp_find_header(in, "X-Yanxiu-Language");
    if (x && msg_lang_parse(x, &lang))
        return lang;
    const char *al = evhttp_find_header(in, "Accept-Language");
    while (al && *al) {
        al += strspn(al, " \t,");
        size_t n = strcspn(al, ",;");
        char tag[32];
        if (n > 0 && n < sizeof(tag) &&
            (strncasecmp(al, "zh", 2) == 0 || strncasecmp(al, "en", 2) == 0)) {
            memcpy(tag, al, n);
            tag[n] = '\0';
            tag[strcspn(tag, " \t")] = '\0';
            /* zh-TW and the like read as zh: the one Chinese catalog. */
            if (msg_lang_parse(tag, &lang))
                return lang;
            return strncasecmp(tag, "en", 2) == 0 ? MSG_EN : MSG_ZH_CN;
        }
        al = strchr(al, ',');
    }
    return MSG_ZH_CN;
}

/* ---- static files ---- */

static void serve_file(struct http *h, struct evhttp_request *req, enum msg_lang lang)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
        refuse(h, req, lang, 405, "http_method", NULL);
        return;
    }
    const char *raw = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    size_t len = 0;
    char *path = evhttp_uridecode(raw ? raw : "/", 0, &len);
    if (!path || strlen(path) != len) {
        free(path);
        refuse(h, req, lang, 404, "http_not_found", NULL);
        return;
    }
    bool root = strcmp(path, "/") == 0;
    /* Only names read from web_root are looked up: "..", "%2e%2e" and the like find nothing. */
    const struct http_file *f = file_find(h, root ? "/index.html" : path);
    free(path);
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    if (!f && root) {
        add_headers(h, req, h->tls);
        evhttp_add_header(out, "Content-Type", "text/html; charset=utf-8");
        evhttp_add_header(out, "Cache-Control", "no-cache");
        struct evbuffer *b = evbuffer_new();
        if (b && cmd == EVHTTP_REQ_GET)
            evbuffer_add(b, http_not_installed, sizeof(http_not_installed) - 1);
        evhttp_send_reply(req, 404, status_text(404), b);
        if (b)
            evbuffer_free(b);
        return;
    }
    if (!f) {
        refuse(h, req, lang, 404, "http_not_found", NULL);
        return;
    }
    bool gz = f->gz && accepts_gzip(req);
    const uint8_t *data = gz ? f->gz : f->data;
    size_t size = gz ? f->gz_len : f->len;
    const char *etag = gz ? f->gz_etag : f->etag;
    add_headers(h, req, h->tls);
    evhttp_add_header(out, "Cache-Control",
                      f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (f->gz)
        evhttp_add_header(out, "Vary", "Accept-Encoding");
    evhttp_add_header(out, "ETag", etag);
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
        evhttp_send_reply(req, 304, status_text(304), NULL);
        return;
    }
    evhttp_add_header(out, "Content-Type", f->type);
    if (gz)
        evhttp_add_header(out, "Content-Encoding", "gzip");
    struct evbuffer *b = evbuffer_new();
    if (cmd == EVHTTP_REQ_HEAD) {
        char n[24];
        snprintf(n, sizeof(n), "%zu", size);
        evhttp_add_header(out, "Content-Length", n);
    } else if (b) {
        /* Copied: a SIGHUP may replace the files while this is still being sent. */
        evbuffer_add(b, data, size);
    }
    evhttp_send_reply(req, 200, status_text(200), b);
    if (b)
        evbuffer_free(b);
}

/* ---- the API ---- */

/* Our own origin as a browser writes it: scheme by TLS, then the Host header. */
static bool same_origin(const struct http *h, const char *origin, const char *host)
{
    if (!host || !host[0])
        return false;
    const char *scheme = h->tls ? "https://" : "http://";
    size_t sl = strlen(scheme);
    return strncasecmp(origin, scheme, sl) == 0 && strcasecmp(origin + sl, host) == 0;
}

/* The session token of the cookie yanxiu_session: true with token set; false
 * when there is none (or it is not 32 bytes of base64url, which a browser
 * of ours never sends: then the request goes on as without a cookie). */
static bool cookie_token(struct evhttp_request *req, uint8_t token[SESSION_TOKEN_BYTES])
{
    const char *c = evhttp_find_header(evhttp_request_get_input_headers(req), "Cookie");
    const size_t nl = strlen(HTTP_COOKIE);
    while (c && *c) {
        c += strspn(c, " \t;");
        size_t n = strcspn(c, ";");
        if (n > nl && strncmp(c, HTTP_COOKIE "=", nl + 1) == 0) {
            const char *v = c + nl + 1;
            size_t vl = n - nl - 1;
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
                vl--;
            size_t bin = 0;
            return sodium_base642bin(token, SESSION_TOKEN_BYTES, v, vl, NULL, &bin, NULL,
                                     sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
                   bin == SESSION_TOKEN_BYTES;
        }
        c += n;
    }
    return false;
}

/* csrf = lowercase hex SHA-256("yanxiu-csrf:" || token), into hex[HTTP_CSRF_HEX + 1]. */
static void csrf_of(const uint8_t *token, char *hex)
{
    crypto_hash_sha256_state st;
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)HTTP_CSRF_PREFIX, strlen(HTTP_CSRF_PREFIX));
    crypto_hash_sha256_update(&st, token, SESSION_TOKEN_BYTES);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, HTTP_CSRF_HEX + 1, h, sizeof(h));
}

/*
 * Whether the top level of an Envelope on the wire has a non-empty
 * session_token (field 2), without decoding it: for the cap before login.
 * Unreadable bytes count as no token (the cap then applies).
 */
static bool wire_has_token(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t key = 0, v = 0;
        for (int s = 0; i < len && s < 64; s += 7) {
            key |= (uint64_t)(p[i] & 0x7f) << s;
            if (!(p[i++] & 0x80))
                break;
        }
        switch (key & 7) {
        case 0:
            while (i < len && (p[i++] & 0x80))
                ;
            break;
        case 1:
            i += 8;
            break;
        case 5:
            i += 4;
            break;
        case 2:
            for (int s = 0; i < len && s < 64; s += 7) {
                v |= (uint64_t)(p[i] & 0x7f) << s;
                if (!(p[i++] & 0x80))
                    break;
            }
            if (key >> 3 == 2 && v > 0)
                return true;
            if (v > len - i)
                return false;
            i += v;
            break;
        default:
            return false;
        }
    }
    return false;
}

static void call_unwatch(struct http_call *call)
{
    if (call->hangup) {
        event_free(call->hangup);
        call->hangup = NULL;
    }
}

static void call_closed(struct evhttp_connection *evcon, void *arg)
{
    struct http_call *call = arg;
    call_unwatch(call);
    /* evhttp frees the request right after this, unless it was detached from
     * its connection first (no connection), in which case it is ours to free. */
    if (call->req && !evhttp_request_get_connection(call->req))
        evhttp_request_free(call->req);
    call->req = NULL;
    call->evcon = NULL;
    call->gone = true;
    (void)evcon;
}

/*
 * The browser closed its connection while its request was in the database.
 * evhttp (2.1) does not read while a request is with us, so it would notice
 * only when the answer is written: we watch for the close (EV_CLOSED) and
 * free the connection at once, which detaches the call (call_closed).
 */
static void on_hangup(evutil_socket_t fd, short what, void *arg)
{
    struct http_call *call = arg;
    struct evhttp_connection *evcon = call->evcon;
    call_unwatch(call);
    if (evcon)
        evhttp_connection_free(evcon);
    call->req = NULL;
    call->evcon = NULL;
    call->gone = true;
    (void)fd;
    (void)what;
}

/* Watches the call's connection for the client's close, where the loop can
 * tell (epoll's EPOLLRDHUP); elsewhere a close is noticed when answering. */
static void call_watch(struct http_call *call, struct event_base *base)
{
    if (!(event_base_get_features(base) & EV_FEATURE_EARLY_CLOSE) || !call->evcon)
        return;
    struct bufferevent *bev = evhttp_connection_get_bufferevent(call->evcon);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd < 0)
        return;
    call->hangup = event_new(base, fd, EV_CLOSED, on_hangup, call);
    if (call->hangup && event_add(call->hangup, NULL) != 0)
        call_unwatch(call);
}

bool http_call_here(const struct http_call *call)
{
    return !call->gone;
}

/* Sets the session cookie (value "" and max_age 0 clear it). */
static void set_cookie(struct evhttp_request *req, bool tls, const char *value, int max_age)
{
    char c[256];
    snprintf(c, sizeof(c), HTTP_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/api; Max-Age=%d%s",
             value, max_age, tls ? "; Secure" : "");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
    sodium_memzero(c, sizeof(c));
}

/* An API answer has been written whole: the drain need not wait for it. */
static void on_sent(struct evhttp_request *req, void *arg)
{
    struct http *h = arg;
    struct evhttp_connection *evcon = evhttp_request_get_connection(req);
    if (evcon)
        evhttp_connection_set_closecb(evcon, NULL, NULL);
    h->writing--;
}

/* Or its connection went before it was. */
static void on_send_failed(struct evhttp_connection *evcon, void *arg)
{
    struct http *h = arg;
    h->writing--;
    (void)evcon;
}

/* Sends an API answer, counted in h->writing until it is out (http_idle). */
static void send_counted(struct http *h, struct evhttp_request *req,
                         struct evhttp_connection *evcon, int status, struct evbuffer *b)
{
    if (evcon) {
        h->writing++;
        evhttp_request_set_on_complete_cb(req, on_sent, h);
        evhttp_connection_set_closecb(evcon, on_send_failed, h);
    }
    evhttp_send_reply(req, status, status_text(status), b);
}

bool http_idle(const struct server *srv)
{
    return !srv->http || srv->http->writing == 0;
}

bool http_call_answer(struct http_call *call, Yanxiu__V1__Envelope *resp)
{
    if (!call->req || call->replied)
        return true;
    Yanxiu__V1__LoginResponse *login = resp->body_case == YANXIU__V1__ENVELOPE__BODY_LOGIN_REPLY &&
                                               resp->login_reply &&
                                               resp->login_reply->token.len == SESSION_TOKEN_BYTES
                                           ? resp->login_reply
                                           : NULL;
    char csrf[HTTP_CSRF_HEX + 1] = "";
    char cookie[64] = "";
    ProtobufCBinaryData token = {0};
    char *csrf_was = NULL;
    if (login) {
        /* The token goes into the HttpOnly cookie, out of the page's reach;
         * the page gets the CSRF value bound to it. */
        csrf_of(login->token.data, csrf);
        sodium_bin2base64(cookie, sizeof(cookie), login->token.data, login->token.len,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        token = login->token;
        csrf_was = login->csrf_token;
        login->token.len = 0;
        login->token.data = NULL;
        login->csrf_token = csrf;
    }
    size_t len = yanxiu__v1__envelope__get_packed_size(resp);
    uint8_t *buf = len <= call->max_frame ? malloc(len ? len : 1) : NULL;
    if (buf)
        len = yanxiu__v1__envelope__pack(resp, buf);
    if (login) {
        login->token = token;
        login->csrf_token = csrf_was;
    }
    if (len > call->max_frame) {
        sodium_memzero(cookie, sizeof(cookie));
        return false;
    }
    struct evhttp_request *req = call->req;
    struct evhttp_connection *evcon = call->evcon;
    call_unwatch(call);
    evhttp_connection_set_closecb(call->evcon, NULL, NULL);
    call->replied = true;
    call->req = NULL;
    add_headers(call->h, req, call->tls);
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Cache-Control", "no-store");
    struct evbuffer *b = buf ? evbuffer_new() : NULL;
    if (!b) {
        free(buf);
        sodium_memzero(cookie, sizeof(cookie));
        send_counted(call->h, req, evcon, 500, NULL);
        return true;
    }
    evhttp_add_header(out, "Content-Type", HTTP_PROTOBUF_TYPE);
    if (cookie[0])
        set_cookie(req, call->tls, cookie, call->session_ttl);
    else if (call->logout)
        set_cookie(req, call->tls, "", 0);
    sodium_memzero(cookie, sizeof(cookie));
    evbuffer_add(b, buf, len);
    free(buf);
    send_counted(call->h, req, evcon, 200, b);
    evbuffer_free(b);
    return true;
}

void http_call_end(struct http_call *call)
{
    call_unwatch(call);
    if (call->req) {
        /* Ended without an answer (cannot happen through rpc): say so. */
        evhttp_connection_set_closecb(call->evcon, NULL, NULL);
        evhttp_send_reply(call->req, 500, status_text(500), NULL);
    }
    free(call);
}

static void serve_api(struct http *h, struct evhttp_request *req, enum msg_lang lang)
{
    struct server *srv = h->srv;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        refuse(h, req, lang, 405, "http_method", NULL);
        return;
    }
    if (h->draining) {
        refuse(h, req, lang, 503, "shutting_down", NULL);
        return;
    }
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *origin = evhttp_find_header(in, "Origin");
    const char *host = evhttp_find_header(in, "Host");
    /* A page of another site may post here (a form, fetch no-cors): its Origin gives it away. */
    if (origin && !same_origin(h, origin, host)) {
        refuse(h, req, lang, 403, "origin_refused", "origin", rpc_quote(origin), NULL);
        return;
    }
    const char *ct = evhttp_find_header(in, "Content-Type");
    if (!ct || strncasecmp(ct, HTTP_PROTOBUF_TYPE, strlen(HTTP_PROTOBUF_TYPE)) != 0 ||
        (ct[strlen(HTTP_PROTOBUF_TYPE)] && ct[strlen(HTTP_PROTOBUF_TYPE)] != ';')) {
        refuse(h, req, lang, 415, "http_content_type", "type", ct ? rpc_quote(ct) : "-", NULL);
        return;
    }
    struct evbuffer *body = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(body);
    if (len == 0) {
        refuse(h, req, lang, 400, "frame_empty", NULL);
        return;
    }
    const uint8_t *bytes = evbuffer_pullup(body, -1);
    uint8_t token[SESSION_TOKEN_BYTES];
    bool cookie = cookie_token(req, token);
    char size[24], max[24];
    snprintf(size, sizeof(size), "%zu", len);
    /* As on a TCP connection before login: a stranger's request is small. */
    if (!cookie && len > CONN_PRELOGIN_MAX_FRAME && (!bytes || !wire_has_token(bytes, len))) {
        snprintf(max, sizeof(max), "%u", CONN_PRELOGIN_MAX_FRAME);
        refuse(h, req, lang, 413, "http_body_too_large", "size", size, "max", max, NULL);
        return;
    }
    if (!bytes) {
        refuse(h, req, lang, 500, "out_of_memory", NULL);
        return;
    }
    const char *reason = NULL;
    struct rpc_req *r = rpc_decode(srv, bytes, len, &reason);
    if (!r) {
        refuse(h, req, lang, strcmp(reason, "out_of_memory") == 0 ? 500 : 400, reason, "size", size,
               NULL);
        sodium_memzero(token, sizeof(token));
        return;
    }
    Yanxiu__V1__Envelope__BodyCase body_case = r->env->body_case;
    /* The cookie speaks only for requests that need a session: a Login from a
     * tab that has the cookie but not its CSRF value is a new login. */
    if (cookie && rpc_needs_session(r)) {
        const char *csrf = evhttp_find_header(in, HTTP_CSRF_HEADER);
        char want[HTTP_CSRF_HEX + 1];
        csrf_of(token, want);
        const char *refusal = NULL;
        int status = 403;
        if (r->env->session_token.len) {
            refusal = "http_session_twice";
            status = 400;
        } else if (!origin) {
            refusal = "origin_refused";
        } else if (!csrf || !csrf[0]) {
            refusal = "csrf_missing";
        } else if (strlen(csrf) != HTTP_CSRF_HEX || sodium_memcmp(csrf, want, HTTP_CSRF_HEX) != 0) {
            refusal = "csrf_mismatch";
        } else if (!rpc_set_session_token(r, token)) {
            refusal = "out_of_memory";
            status = 500;
        }
        sodium_memzero(want, sizeof(want));
        sodium_memzero(token, sizeof(token));
        if (refusal) {
            rpc_discard(r);
            refuse(h, req, lang, status, refusal, "origin", "-", NULL);
            return;
        }
    }
    sodium_memzero(token, sizeof(token));
    struct http_call *call = calloc(1, sizeof(*call));
    if (!call) {
        rpc_discard(r);
        refuse(h, req, lang, 500, "out_of_memory", NULL);
        return;
    }
    call->h = h;
    call->req = req;
    call->evcon = evhttp_request_get_connection(req);
    call->tls = h->tls;
    call->login = body_case == YANXIU__V1__ENVELOPE__BODY_LOGIN;
    call->logout = body_case == YANXIU__V1__ENVELOPE__BODY_LOGOUT;
    call->session_ttl = srv->cfg.session_ttl;
    call->max_frame = (size_t)srv->cfg.max_frame;
    /* The connection may go while the request is in the database: then
     * call_closed detaches it and the answer is dropped. */
    evhttp_connection_set_closecb(call->evcon, call_closed, call);
    call_watch(call, srv->base);
    char peer[PEER_NAME_LEN] = "?", lane[PEER_NAME_LEN] = "?";
    const struct sockaddr *sa = call->evcon ? evhttp_connection_get_addr(call->evcon) : NULL;
    if (sa && peer_lane_name(sa, lane, sizeof(lane))) {
        if (sa->sa_family == AF_INET6 &&
            !IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)sa)->sin6_addr))
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, peer, sizeof(peer));
        else
            snprintf(peer, sizeof(peer), "%s", lane);
    }
    rpc_start_http(r, call, ++srv->next_conn_id, peer, lane, lang);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    struct http *h = arg;
    enum msg_lang lang = request_lang(req);
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (path && strcmp(path, HTTP_API_PATH) == 0)
        serve_api(h, req, lang);
    else if (path && strncmp(path, "/api/", 5) == 0)
        refuse(h, req, lang, 404, "http_not_found", NULL);
    else
        serve_file(h, req, lang);
}

/* A new connection's bufferevent: TLS with the server's context of the
 * moment (renewed on SIGHUP), or NULL for plaintext (evhttp makes one). */
static struct bufferevent *on_bev(struct event_base *base, void *arg)
{
    struct http *h = arg;
    if (!h->tls)
        return NULL;
    SSL *ssl = SSL_new(h->srv->tls);
    if (!ssl) {
        log_error("[http] cannot start TLS for a connection (SSL_new failed)");
        return NULL;
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev)
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    else
        SSL_free(ssl);
    return bev;
}

/* One timeout for reading a request and writing an answer: the shorter of
 * idle_timeout and frame_timeout. */
static void set_timeout(struct http *h)
{
    const struct config *cfg = &h->srv->cfg;
    evhttp_set_timeout(h->eh, cfg->idle_timeout < cfg->frame_timeout ? cfg->idle_timeout
                                                                     : cfg->frame_timeout);
}

bool http_start(struct server *srv)
{
    srv->http = NULL;
    const struct config *cfg = &srv->cfg;
    if (cfg->http_port == 0)
        return true;
    struct http *h = calloc(1, sizeof(*h));
    if (!h || !(h->eh = evhttp_new(srv->base))) {
        log_error("[http] out of memory");
        free(h);
        return false;
    }
    h->srv = srv;
    h->tls = !cfg->http_plaintext;
    if (h->tls && !srv->tls) {
        log_error("[http] TLS needs [server] tls_cert and tls_key");
        evhttp_free(h->eh);
        free(h);
        return false;
    }
    srv->http = h;
    set_timeout(h);
    evhttp_set_max_body_size(h->eh, cfg->max_frame);
    evhttp_set_max_headers_size(h->eh, 64 * 1024);
    /* Every method reaches us, so that the others get 405 with our headers. */
    evhttp_set_allowed_methods(h->eh, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                          EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                          EVHTTP_REQ_PATCH);
    evhttp_set_default_content_type(h->eh, "text/plain; charset=utf-8");
    evhttp_set_gencb(h->eh, on_request, h);
    evhttp_set_bevcb(h->eh, on_bev, h);
    files_load(h, cfg->http_web_root);
    h->bound = evhttp_bind_socket_with_handle(h->eh, cfg->http_listen, (ev_uint16_t)cfg->http_port);
    if (!h->bound) {
        log_error("cannot listen for HTTP on %s port %d: %s", cfg->http_listen, cfg->http_port,
                  strerror(errno));
        http_free(srv);
        return false;
    }
    log_info("web console: listening on %s port %d (%s)", cfg->http_listen, cfg->http_port,
             h->tls ? "HTTPS" : "HTTP, plaintext, loopback only");
    return true;
}

void http_reload(struct server *srv, const char *web_root)
{
    struct http *h = srv->http;
    if (!h)
        return;
    set_timeout(h);
    if (web_root && strcmp(web_root, srv->cfg.http_web_root) != 0) {
        char *copy = strdup(web_root);
        if (copy) {
            free(srv->cfg.http_web_root);
            srv->cfg.http_web_root = copy;
        }
    }
    files_load(h, srv->cfg.http_web_root);
}

void http_drain(struct server *srv)
{
    struct http *h = srv->http;
    if (!h || h->draining)
        return;
    h->draining = true;
    if (h->bound) {
        evhttp_del_accept_socket(h->eh, h->bound);
        h->bound = NULL;
    }
}

void http_free(struct server *srv)
{
    struct http *h = srv->http;
    if (!h)
        return;
    /* Each open connection's close callback detaches its call first. */
    evhttp_free(h->eh);
    files_free(&h->files);
    free(h);
    srv->http = NULL;
}
