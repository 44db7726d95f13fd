"""Stakeholder search latency over HTTP, as a liaison uses it: the list page with search
text and filters, and the API twin. Prints and returns p50/p95/p99 per kind of query.

Usage: python3 bench/search_latency.py BASE_URL WORKSPACE EMAIL PASSWORD TOKEN
"""
import http.client
import json
import random
import statistics
import sys
import time
import urllib.parse

base, workspace, email, password, token = sys.argv[1:6]
host = urllib.parse.urlparse(base).netloc
conn = http.client.HTTPConnection(host)


def request(method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return response, data


form = urllib.parse.urlencode({"workspace": workspace, "email": email, "password": password})
response, _ = request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
cookie = response.getheader("Set-Cookie", "").split(";")[0]
assert response.status == 303 and cookie, f"login failed: {response.status}"
page_headers = {"Cookie": cookie}
api_headers = {"Authorization": f"Bearer {token}"}

_, data = request("GET", "/api/v1/stakeholders?per_page=200&sort=newest", headers=api_headers)
sample = json.loads(data)["items"]
npis = [s["npi"] for s in sample if s["npi"]]
last_names = sorted({s["last_name"] for s in sample})
full_names = [f'{s["first_name"]} {s["last_name"]}' for s in sample]

rng = random.Random(7)
kinds = {
    "last name": lambda: {"q": rng.choice(last_names)},
    "name fragment (3 letters)": lambda: {"q": rng.choice(last_names)[:3].lower()},
    "first + last": lambda: {"q": rng.choice(full_names)},
    "NPI": lambda: {"q": rng.choice(npis)},
    "specialty word": lambda: {"q": rng.choice(["cardiovascular", "pediatrics", "nurse practitioner", "surgery", "family medicine"])},
    "tag filter": lambda: {"tag": rng.choice(["key referrer", "EHR champion", "rural outreach"])},
    "tier + kind, page 3": lambda: {"tier": rng.choice("ABC"), "kind": "physician", "page": "3"},
    "no filter, page 40": lambda: {"page": "40"},
}

ROUNDS = 60
results = {}
for name, make in kinds.items():
    for _ in range(10):  # warm-up
        request("GET", "/stakeholders?" + urllib.parse.urlencode(make()), headers=page_headers)
    page_ms, api_ms = [], []
    for _ in range(ROUNDS):
        params = urllib.parse.urlencode(make())
        t0 = time.perf_counter()
        response, _ = request("GET", "/stakeholders?" + params, headers=page_headers)
        page_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status == 200, response.status
        t0 = time.perf_counter()
        response, _ = request("GET", "/api/v1/stakeholders?" + params, headers=api_headers)
        api_ms.append((time.perf_counter() - t0) * 1000)
        assert response.status == 200, response.status
    results[name] = (page_ms, api_ms)


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


all_page = [v for page, _ in results.values() for v in page]
all_api = [v for _, api in results.values() for v in api]
print("| query | page p50 | page p95 | API p50 | API p95 |")
print("|---|---|---|---|---|")
for name, (page, api) in results.items():
    print(f"| {name} | {pct(page, 50):.1f} | {pct(page, 95):.1f} | {pct(api, 50):.1f} | {pct(api, 95):.1f} |")
print(f"| **all {len(all_page)} searches** | {statistics.median(all_page):.1f} | {pct(all_page, 95):.1f} "
      f"| {statistics.median(all_api):.1f} | {pct(all_api, 95):.1f} |")
print()
print(f"p99: page {pct(all_page, 99):.1f} ms, API {pct(all_api, 99):.1f} ms")
