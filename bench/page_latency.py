"""Server latency of the relationship-book pages on a large workspace, over HTTP as a user
sees them. Prints a markdown table of p50/p95 per page.

Usage: python3 bench/page_latency.py BASE_URL WORKSPACE EMAIL PASSWORD PATH...
"""
import http.client
import sys
import time
import urllib.parse

base, workspace, email, password, *paths = sys.argv[1:]
conn = http.client.HTTPConnection(urllib.parse.urlparse(base).netloc)


def request(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response, response.read()


form = urllib.parse.urlencode({"workspace": workspace, "email": email, "password": password})
response, _ = request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
cookie = response.getheader("Set-Cookie", "").split(";")[0]
assert response.status == 303 and cookie, f"login failed: {response.status}"
headers = {"Cookie": cookie}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


ROUNDS = 40
print("| page | p50 ms | p95 ms | bytes |")
print("|---|---|---|---|")
for path in paths:
    label, _, path = path.partition("=")
    for _ in range(5):
        request("GET", path, headers=headers)
    ms = []
    size = 0
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        response, body = request("GET", path, headers=headers)
        ms.append((time.perf_counter() - t0) * 1000)
        assert response.status == 200, (path, response.status)
        size = len(body)
    print(f"| {label} | {pct(ms, 50):.1f} | {pct(ms, 95):.1f} | {size:,} |")
