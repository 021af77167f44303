"""The README's worked example of the API, with the Python standard library only.

    python scripts/api_example.py --base http://127.0.0.1:8000 --token ib_…

1. lists the uncovered needs of a regional group (100 a page);
2. pushes one answer of an assignment with ``If-Match`` (the ETag as read), so that an answer
   changed by someone else meanwhile is refused (412) instead of overwritten;
3. starts a report (202, with an ``Idempotency-Key`` so a retry does not start it twice),
   waits until it is done and saves the file.

A focal point's token does steps 1 and 2 for its own State; step 3 needs the secretariat's
(``--report-token``, default: the same token).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any


class Api:
    """A small client: JSON in and out, problem details printed on errors."""

    def __init__(self, base: str, token: str) -> None:
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            sys.exit("--base must be an http:// or https:// address")
        self.base = base.rstrip("/") + "/api/v1/"
        self.token = token

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        url = urllib.parse.urljoin(self.base, path)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http(s) only)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
        status, headers, content = self.call(method, path, **kwargs)
        return status, headers, json.loads(content) if content else None


def fail(what: str, status: int, problem: Any) -> None:
    detail = problem.get("detail") if isinstance(problem, dict) else problem
    sys.exit(f"{what}: HTTP {status}: {detail}")


def uncovered_needs(api: Api, group: str) -> None:
    query = urllib.parse.urlencode(
        {"regional_group": group, "coverage": "uncovered", "page_size": 100}
    )
    status, _headers, page = api.json("GET", f"needs/?{query}")
    if status != 200:
        fail("needs", status, page)
    print(f"1. Uncovered needs of the group {group!r}: {len(page['results'])} on the first page")
    for need in page["results"][:5]:
        where = f"{need['state']}  art. {need['article_number']:>3}"
        print(f"   {where}  {need['kind']:<22} score {need['score']}")
    if page["next"]:
        print("   more: follow", page["next"])


def push_answer(api: Api, assignment: int | None, question: str | None, value: str) -> None:
    if assignment is None:
        status, _h, page = api.json("GET", "assignments/?status=in_progress")
        if status != 200 or not page["results"]:
            fail("assignments", status, "no assignment in progress")
        assignment = page["results"][0]["id"]
    if question is None:
        status, _h, answers = api.json("GET", f"assignments/{assignment}/answers/")
        if status != 200:
            fail("answers", status, answers)
        texts = [a for a in answers if isinstance(a["value"], str) and not a["repeat_path"]]
        if not texts:
            fail("answers", status, "no text answer to change")
        question = texts[0]["key"]
    url = f"assignments/{assignment}/answers/{question}/"
    status, headers, current = api.json("GET", url)
    if status != 200:
        fail("answer", status, current)
    etag = headers["ETag"]
    print(f"2. Assignment {assignment}, {question!r} = {current['value']!r} (ETag {etag})")
    status, headers, saved = api.json("PUT", url, body={"value": value}, headers={"If-Match": etag})
    if status == 412:
        print("   changed by someone else since it was read; now:", saved["current"])
        return
    if status != 200:
        fail("saving the answer", status, saved)
    print(f"   saved: {saved['value']!r}, version {saved['version']} (ETag {headers['ETag']})")
    if saved["version"] == current["version"]:
        return  # the same value: nothing changed, the old ETag is still the current one
    status, _h, stale = api.json(
        "PUT", url, body={"value": value + " (again)"}, headers={"If-Match": etag}
    )
    print(f"   a write with the ETag read before: HTTP {status} ({stale.get('title')})")


def report(api: Api, out: str, cycle: int) -> None:
    body = {
        "report": "analytical",
        "params": {"instrument": "untoc", "cycle": cycle},
        "lang": "fr",
        "fmt": "pdf",
    }
    key = str(uuid.uuid4())
    status, headers, run = api.json(
        "POST", "report-runs/", body=body, headers={"Idempotency-Key": key}
    )
    if status != 202:
        fail("starting the report", status, run)
    print(f"3. Report run {run['id']} started: {headers['Location']}")
    status, headers, again = api.json(
        "POST", "report-runs/", body=body, headers={"Idempotency-Key": key}
    )
    print(
        f"   retried with the same Idempotency-Key: the same run ({again['id'] == run['id']}),"
        f" replayed: {headers.get('Idempotent-Replayed')}"
    )
    deadline = time.monotonic() + 600
    shown = ""
    while run["status"] not in ("done", "failed"):
        if time.monotonic() > deadline:
            sys.exit("the report took more than 10 minutes (is a worker running?)")
        time.sleep(2)
        status, _h, run = api.json("GET", headers["Location"])
        state = f"   {run['status']} {run['progress']}% {run['step']}"
        if state != shown:
            print(state)
            shown = state
    if run["status"] == "failed":
        sys.exit(f"the report failed: {run['error']}")
    status, _h, content = api.call("GET", run["file_url"])
    if status != 200:
        fail("the file", status, content[:200])
    with open(out, "wb") as file:
        file.write(content)
    print(f"   saved {out} ({len(content)} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--token", required=True)
    parser.add_argument("--report-token", help="the secretariat's token (default: --token)")
    parser.add_argument("--group", default="african", help="regional group")
    parser.add_argument("--assignment", type=int, help="default: the first in progress")
    parser.add_argument("--question", help="default: the first answered text question")
    parser.add_argument("--value", default="Ministry of Justice")
    parser.add_argument("--cycle", type=int, default=1, help="reporting cycle of the report")
    parser.add_argument("--out", default="report.pdf")
    args = parser.parse_args()
    api = Api(args.base, args.token)
    uncovered_needs(api, args.group)
    push_answer(api, args.assignment, args.question, args.value)
    report(Api(args.base, args.report_token or args.token), args.out, args.cycle)


if __name__ == "__main__":
    main()
