"""The sandbox's fictional company, Parcelly (an online shop), its people and a year of past
incidents: what makes the recommendations in `make run` meaningful.

`python -m bot.sandbox.seed` rewrites bot/sandbox/data/sample_history.csv and the Japanese
company's sample_history_ja.csv (bot/sandbox/seed_ja.py), deterministically."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HISTORY_FILE = Path(__file__).parent / "data" / "sample_history.csv"
POLICY_FILE = Path(__file__).parent / "data" / "policy.toml"  # Parcelly's escalation levels
FIELDS = ["id", "title", "description", "service", "severity", "tags", "created_at",
          "resolved_at", "owner", "resolvers", "summary"]


@dataclass(frozen=True)
class Person:
    handle: str
    real_name: str
    tz: str
    skills: tuple[str, ...]
    services: tuple[str, ...]  # where they resolve things in the sample history


PEOPLE = (
    Person("maya", "Maya Okafor", "Europe/London", ("postgres", "db"), ("db", "payments")),
    Person("lars", "Lars Eriksen", "Europe/Oslo", ("kubernetes", "infra"), ("infra", "search")),
    Person("priya", "Priya Raman", "Asia/Kolkata", ("payments", "stripe"),
           ("payments", "checkout")),
    Person("tom", "Tom Becker", "Europe/Berlin", ("checkout", "frontend"), ("checkout", "web")),
    Person("ana", "Ana Souza", "America/Sao_Paulo", ("search", "elasticsearch"), ("search",)),
    Person("kenji", "Kenji Sato", "Asia/Tokyo", ("mobile", "ios"), ("mobile",)),
    Person("fatima", "Fatima Zahra", "Africa/Casablanca", ("auth", "security"), ("auth",)),
    Person("diego", "Diego Alvarez", "America/Mexico_City", ("kafka", "queues"),
           ("orders", "infra")),
    Person("olivia", "Olivia Chen", "America/Los_Angeles", ("frontend", "web"),
           ("web", "checkout")),
    Person("sam", "Sam Walker", "America/New_York", ("orders", "warehouse"), ("orders",)),
    Person("ines", "Ines Martin", "Europe/Paris", ("db", "redis"), ("db", "search")),
    Person("noah", "Noah Fischer", "Europe/Zurich", ("security", "auth"), ("auth", "infra")),
)

PROBLEMS = {
    "db": ["replication lag on {x}", "connection pool exhausted on {x}", "slow queries on {x}",
           "disk almost full on {x}", "deadlocks in {x} writes",
           "failover of {x} did not complete"],
    "payments": ["card payments declined for {x}", "refunds stuck in {x}",
                 "payment provider timeouts in {x}", "duplicate charges in {x}"],
    "checkout": ["checkout latency over 3s in {x}", "cart totals wrong for {x}",
                 "checkout button unresponsive in {x}", "coupon codes rejected in {x}"],
    "search": ["search results empty for {x}", "indexing backlog on {x}",
               "search latency spikes on {x}", "stale prices in {x} results"],
    "infra": ["node pool out of memory in {x}", "certificate expiring on {x}",
              "autoscaler stuck in {x}", "DNS resolution failures in {x}"],
    "mobile": ["iOS app crashes on {x}", "push notifications delayed for {x}",
               "login loop in the {x} app"],
    "auth": ["SSO login failures for {x}", "password reset emails not sent for {x}",
             "suspicious login spike on {x}", "tokens expiring early for {x}"],
    "orders": ["orders stuck in {x}", "warehouse sync failing for {x}",
               "order emails delayed for {x}"],
    "web": ["homepage 500 errors on {x}", "images not loading on {x}", "CDN cache misses on {x}"],
}
# How each problem above was resolved, in the same order: the "similar past cases" shown when
# a case is declared quote these.
FIXES = {
    "db": ["Throttled the batch import; the replica caught up", "Raised the pool size and "
           "killed idle-in-transaction sessions", "Added the missing index on orders.created_at",
           "Vacuumed and moved WAL archives to cold storage", "Reordered the writes to lock "
           "rows in id order", "Promoted the standby by hand and fixed the fencing script"],
    "payments": ["Rotated the expired provider key", "Re-queued the stuck refunds after the "
                 "provider outage", "Failed over to the secondary provider region",
                 "Refunded the duplicates and made the charge call idempotent"],
    "checkout": ["Rolled back the cart service deploy", "Fixed currency rounding in the "
                 "totals", "Reverted the frontend bundle with the broken handler",
                 "Re-enabled the coupon service feature flag"],
    "search": ["Rebuilt the alias pointing at an empty index", "Added indexer workers and "
               "drained the backlog", "Moved the heavy aggregation off the hot path",
               "Re-ran the price sync into the index"],
    "infra": ["Raised the node pool memory limits and evicted the leaking pod",
              "Renewed the certificate and fixed the renewal cron", "Restarted the autoscaler "
              "with the fixed quota", "Pointed resolvers back at the internal DNS"],
    "mobile": ["Shipped the hotfix build with the nil check", "Re-uploaded the APNs "
               "certificate", "Cleared the bad session cookie on the API"],
    "auth": ["Updated the IdP metadata after its key rotation", "Unblocked the mail "
             "provider's rate limit", "Blocked the credential-stuffing range and forced resets",
             "Fixed the token TTL config regression"],
    "orders": ["Restarted the stuck consumer group and replayed the topic", "Fixed the "
               "warehouse API credentials", "Scaled the email workers"],
    "web": ["Rolled back the homepage template", "Purged the CDN and fixed the image origin",
            "Restored the cache-control headers"],
}
# Problems that took more than one person in Parcelly's past (and every sev1): the forecast
# in the sandbox learns that these tend to need a swarm.
HARD = {"failover of {x} did not complete", "deadlocks in {x} writes",
        "duplicate charges in {x}", "payment provider timeouts in {x}",
        "checkout latency over 3s in {x}", "DNS resolution failures in {x}",
        "suspicious login spike on {x}", "node pool out of memory in {x}",
        "warehouse sync failing for {x}"}
PLACES = ["eu-west", "us-east", "the primary", "the replica", "premium customers", "guest users",
          "the mobile API", "black friday traffic", "the Android build", "the admin console"]
TAGS = {"db": ["postgres", "redis"], "payments": ["stripe", "refunds"],
        "checkout": ["cart", "latency"],
        "search": ["elasticsearch", "indexing"], "infra": ["kubernetes", "dns"],
        "mobile": ["ios", "android"], "auth": ["sso", "security"], "orders": ["kafka", "warehouse"],
        "web": ["cdn", "frontend"]}


@dataclass(frozen=True)
class Company:
    """A sandbox's fictional company: its people, its past incidents (and how each was
    fixed), its policy, the language its people set in Slack."""

    name: str
    domain: str  # the workspace's, and the people's e-mail domain
    people: tuple[Person, ...]
    problems: dict[str, list[str]]
    fixes: dict[str, list[str]]
    hard: set[str]
    places: list[str]
    tags: dict[str, list[str]]
    prefix: str  # of the history's ids
    history_file: Path
    policy_file: Path
    locale: str = "en-US"  # each person's Slack locale
    language: str = "en"  # SWARMBOT_LANGUAGE: what the channels read
    cast: dict[str, str] | None = None  # the demo's parts (Parcelly's handles) → handles


def sample_history(*, count: int = 420, seed: int = 7,
                   end: datetime = datetime(2026, 10, 31, tzinfo=UTC),
                   company: Company | None = None) -> list[dict[str, str]]:
    """A year of resolved incidents: each service's cases mostly resolved by the people who
    know it, with some drift (people's focus changes over the year)."""
    company = company or PARCELLY
    PEOPLE, PROBLEMS, FIXES, HARD, PLACES, TAGS = (  # noqa: N806 — the company's tables
        company.people, company.problems, company.fixes, company.hard, company.places,
        company.tags)
    rng = random.Random(seed)
    start = end - timedelta(days=365)
    by_service: dict[str, list[Person]] = {}
    for person in PEOPLE:
        for service in person.services:
            by_service.setdefault(service, []).append(person)
    services = sorted(PROBLEMS)
    rows = []
    for _ in range(count):
        service = rng.choice(services)
        created = start + timedelta(minutes=rng.randrange(365 * 24 * 60))
        experts = list(by_service[service])
        if created > end - timedelta(days=120) and service == "infra":
            experts.reverse()  # drift: a newer infra owner took over in the last months
        main = experts[0] if rng.random() < 0.7 else rng.choice(experts)
        helpers = [p for p in rng.sample(PEOPLE, 2) if p != main][: rng.randrange(0, 2)]
        severity = rng.choices(["sev1", "sev2", "sev3", "sev4"], [1, 3, 5, 4])[0]
        problem = rng.choice(PROBLEMS[service])
        title = problem.format(x=rng.choice(PLACES))
        if problem in HARD or severity == "sev1":
            others = [p for p in experts + list(PEOPLE) if p != main]
            helpers = helpers or [others[len(title) % len(others)]]
        elif severity != "sev2":
            helpers = []
        resolved = created + timedelta(minutes=rng.randrange(20, 60 * 30))
        rows.append({
            "id": "", "title": title[0].upper() + title[1:],
            "description": "", "service": service, "severity": severity,
            "tags": ";".join(rng.sample(TAGS[service], rng.randrange(1, 3))),
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "resolved_at": resolved.strftime("%Y-%m-%dT%H:%M:%SZ"), "owner": main.handle,
            "resolvers": ";".join([main.handle, *(h.handle for h in helpers)]),
            "summary": FIXES[service][PROBLEMS[service].index(problem)],
        })
    rows.sort(key=lambda r: r["created_at"])
    for number, row in enumerate(rows, start=1):
        row["id"] = f"{company.prefix}-{number:04d}"
    return rows


PARCELLY = Company("Parcelly", "parcelly", PEOPLE, PROBLEMS, FIXES, HARD, PLACES, TAGS, "PCL",
                   HISTORY_FILE, POLICY_FILE)


def company_for(locale: str | None) -> Company:
    """The sandbox company whose people speak `locale` (`ja` → Hanamaru, else Parcelly)."""
    if locale and locale.lower().startswith("ja"):
        from bot.sandbox.seed_ja import HANAMARU

        return HANAMARU
    return PARCELLY


def write_history(company: Company | None = None) -> None:
    company = company or PARCELLY
    path = company.history_file
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(sample_history(company=company))


if __name__ == "__main__":
    for each in (PARCELLY, company_for("ja")):
        write_history(each)
        print(f"wrote {each.history_file}")
