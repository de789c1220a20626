"""Triggers: wire a function to an event source of a mock account, then act on the account.

An action (upload an object, advance the clock, write an item, send a message, set an alarm
state, publish) changes the mock for real, builds the event AWS would send from what the mock
stored, and invokes the function through the runtime, with every invocation recorded.

As in AWS:
- S3, SNS and EventBridge (schedules, alarm state changes) invoke **asynchronously**, retrying
  a failed invocation up to two more times (AWS waits 1 then 2 minutes; here the delays are
  `retry_delays`, default none). `wait()` blocks until queued invocations are done.
- DynamoDB streams and SQS are polled by an event source mapping and invoke **synchronously**
  in batches; SQS messages are deleted only when the batch succeeds.
- What a handler does can trigger more invocations (it writes an item to a streamed table, or
  uploads into a notified bucket). `pump()` follows those, stopping a loop after
  `MAX_CHAIN` rounds like Lambda's recursive-loop detection (16 invocations).
"""

from __future__ import annotations

import fnmatch
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from lambdalab.mockaws import events, schedules, sources
from lambdalab.mockaws.seed import to_dynamo

MAX_CHAIN = 16
ASYNC_RETRIES = 2


@dataclass
class TriggerRecord:
    """One invocation caused by a trigger."""

    kind: str  # s3 | schedule | dynamodb | sqs | alarm | sns
    source: str  # bucket, rule, table, queue, alarm or topic name
    function: str
    event: dict[str, Any]
    attempt: int  # 1 for the first try, 2–3 for async retries
    invocation: dict[str, Any]
    at: str

    @property
    def status(self) -> str:
        return self.invocation.get("status", "error")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "function": self.function,
            "attempt": self.attempt,
            "at": self.at,
            "event": self.event,
            "invocation": self.invocation,
        }


@dataclass
class _Wire:
    kind: str
    source: str
    function: str
    options: dict[str, Any] = field(default_factory=dict)
    state: Any = None


class Triggers:
    """Event sources of one mock account, invoking functions through `runtime`.

    `runtime` has `invoke(config, event, *, owner, cold, aws) -> Invocation` (the real
    `lambdalab.runtime.Runtime`, or a fake in tests). `functions` maps names to configs.
    """

    def __init__(
        self,
        *,
        account: Any,
        runtime: Any,
        functions: dict[str, Any],
        owner: str = "triggers",
        clock: datetime | None = None,
        retry_delays: tuple[float, ...] = (0.0, 0.0),
    ) -> None:
        self.account, self.runtime, self.functions, self.owner = account, runtime, functions, owner
        self.now = (clock or datetime.now(UTC)).astimezone(UTC)
        self.retry_delays = retry_delays
        self.records: list[TriggerRecord] = []
        self._wires: list[_Wire] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="trigger")
        self._pending: list[Future] = []
        self._s3_seen: dict[str, dict[str, str]] = {}

    # ------------------------------------------------------------------------ wiring

    def _wire(self, kind: str, source: str, function: str, **options: Any) -> _Wire:
        if function not in self.functions:
            raise KeyError(f"no function named {function!r}")
        wire = _Wire(kind, source, function, options)
        self._wires.append(wire)
        return wire

    def on_s3(
        self,
        *,
        function: str,
        bucket: str,
        event_names: tuple[str, ...] = ("s3:ObjectCreated:*",),
        prefix: str = "",
        suffix: str = "",
    ) -> None:
        """Bucket notification: objects created (or removed) under prefix/suffix."""
        self._wire("s3", bucket, function, events=event_names, prefix=prefix, suffix=suffix)
        self._s3_seen[bucket] = sources.s3_listing(self.account, bucket)

    def on_schedule(self, *, function: str, rule: str) -> None:
        """An EventBridge rule's schedule (read from the mock, so disabling the rule works)."""
        self._wire("schedule", rule, function, anchor=self.now)

    def on_dynamodb_stream(self, *, function: str, table: str, batch_size: int = 100) -> None:
        wire = self._wire("dynamodb", table, function, batch_size=batch_size)
        wire.state = events.StreamReader(self.account, table)
        wire.state.read()  # start at LATEST: records written before wiring are not delivered

    def on_sqs(self, *, function: str, queue: str, batch_size: int = 10) -> None:
        self._wire("sqs", queue, function, batch_size=batch_size)

    def on_alarm(self, *, function: str, alarm: str) -> None:
        """EventBridge rule on "CloudWatch Alarm State Change" for one alarm."""
        self._wire("alarm", alarm, function)

    def on_sns(self, *, function: str, topic: str) -> None:
        self._wire("sns", topic, function)

    def wire(self, *, function: str, spec: dict[str, Any]) -> None:
        """Wire from an exercise's `trigger:` mapping ({type: s3|schedule|dynamodb_stream|sqs|
        alarm|sns, ...}); a schedule given as an `expression` gets a rule in the mock."""
        kind = spec.get("type")
        if kind == "s3":
            self.on_s3(
                function=function,
                bucket=spec["bucket"],
                event_names=tuple(spec.get("events", ["s3:ObjectCreated:*"])),
                prefix=spec.get("prefix", ""),
                suffix=spec.get("suffix", ""),
            )
        elif kind == "schedule":
            rule = spec.get("rule") or f"{function}-schedule"
            if "expression" in spec:
                self.account.boto3_client("events").put_rule(
                    Name=rule, ScheduleExpression=spec["expression"], State="ENABLED"
                )
            self.on_schedule(function=function, rule=rule)
        elif kind == "dynamodb_stream":
            self.on_dynamodb_stream(
                function=function, table=spec["table"], batch_size=spec.get("batch_size", 100)
            )
        elif kind == "sqs":
            self.on_sqs(
                function=function, queue=spec["queue"], batch_size=spec.get("batch_size", 10)
            )
        elif kind == "alarm":
            self.on_alarm(function=function, alarm=spec.get("name") or spec["alarm"])
        elif kind == "sns":
            self.on_sns(function=function, topic=spec["topic"])
        else:  # api / http_api: requests invoke the function, see events.apigw_*_event
            raise ValueError(f"trigger type {kind!r} is not an event source to wire")

    def wire_fixture_notifications(self) -> int:
        """Wire the `notifications:` declared on fixture buckets; returns how many."""
        count = 0
        for bucket in self.account.fixtures.get("s3", {}).get("buckets", []):
            for note in bucket.get("notifications", []):
                self.on_s3(
                    function=note["function"],
                    bucket=bucket["name"],
                    event_names=tuple(note.get("events", ["s3:ObjectCreated:*"])),
                    prefix=note.get("prefix", ""),
                    suffix=note.get("suffix", ""),
                )
                count += 1
        return count

    def _wires_for(self, kind: str, source: str) -> list[_Wire]:
        return [w for w in self._wires if w.kind == kind and w.source == source]

    # ------------------------------------------------------------------------ actions

    def upload_object(
        self, *, bucket: str, key: str, body: bytes | str, content_type: str | None = None
    ) -> list[TriggerRecord]:
        """Put an object into the mock; notified functions are invoked asynchronously."""
        event = events.s3_put_from_mock(
            self.account, bucket=bucket, key=key, body=body, content_type=content_type, at=self.now
        )
        self._s3_seen.setdefault(bucket, {})[key] = event["Records"][0]["s3"]["object"]["eTag"]
        return self._deliver_s3(bucket, key, "ObjectCreated:Put", event)

    def delete_object(self, *, bucket: str, key: str) -> list[TriggerRecord]:
        self.account.boto3_client("s3").delete_object(Bucket=bucket, Key=key)
        self._s3_seen.get(bucket, {}).pop(key, None)
        event = events.s3_event(
            bucket=bucket,
            key=key,
            size=0,
            etag="",
            at=self.now,
            event_name="ObjectRemoved:Delete",
            region=self.account.region,
        )
        return self._deliver_s3(bucket, key, "ObjectRemoved:Delete", event)

    def advance_clock(
        self, *, minutes: float = 0, hours: float = 0, days: float = 0, to: datetime | None = None
    ) -> list[TriggerRecord]:
        """Move the mock's clock; every schedule firing in between is delivered in time order."""
        old = self.now
        self.now = (
            to.astimezone(UTC) if to else old + timedelta(days=days, hours=hours, minutes=minutes)
        )
        firings = []
        for wire in self._wires_for_kind("schedule"):
            rule = self.account.boto3_client("events").describe_rule(Name=wire.source)
            if rule.get("State") != "ENABLED" or not rule.get("ScheduleExpression"):
                continue
            for at in schedules.fire_times(
                rule["ScheduleExpression"], after=old, until=self.now, anchor=wire.options["anchor"]
            ):
                firings.append((at, wire))
        futures = []
        for at, wire in sorted(firings, key=lambda f: f[0]):
            event = events.scheduled_event(
                rule=wire.source, at=at, account=self.account.account_id, region=self.account.region
            )
            futures.append(self._invoke_async(wire, event, at))
        return self._results(futures)

    def write_item(self, *, table: str, item: dict[str, Any]) -> list[TriggerRecord]:
        """Put a plain-JSON item; stream-triggered functions see the INSERT/MODIFY record."""
        from boto3.dynamodb.types import TypeSerializer

        ser = TypeSerializer()
        self.account.boto3_client("dynamodb").put_item(
            TableName=table, Item={k: ser.serialize(to_dynamo(v)) for k, v in item.items()}
        )
        return self.pump()

    def delete_item(self, *, table: str, key: dict[str, Any]) -> list[TriggerRecord]:
        from boto3.dynamodb.types import TypeSerializer

        ser = TypeSerializer()
        self.account.boto3_client("dynamodb").delete_item(
            TableName=table, Key={k: ser.serialize(to_dynamo(v)) for k, v in key.items()}
        )
        return self.pump()

    def send_message(self, *, queue: str, body: str) -> list[TriggerRecord]:
        sqs = self.account.boto3_client("sqs")
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        extra = {"MessageGroupId": "default"} if queue.endswith(".fifo") else {}
        sqs.send_message(QueueUrl=url, MessageBody=body, **extra)
        return self.pump()

    def set_alarm_state(
        self, *, alarm: str, state: str, reason: str | None = None
    ) -> list[TriggerRecord]:
        """Change the alarm in the mock; alarm-triggered functions get the state change event."""
        cw = self.account.boto3_client("cloudwatch")
        (before,) = cw.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
        cw.set_alarm_state(
            AlarmName=alarm,
            StateValue=state,
            StateReason=reason or f"Set to {state} by the exercise",
        )
        if before["StateValue"] == state:
            return []  # no transition, no event (as in CloudWatch)
        event = events.alarm_state_change_event(
            alarm=alarm,
            state=state,
            previous_state=before["StateValue"],
            reason=reason,
            namespace=before.get("Namespace", ""),
            metric=before.get("MetricName", ""),
            dimensions={d["Name"]: d["Value"] for d in before.get("Dimensions", [])},
            threshold=before.get("Threshold", 0.0),
            statistic=before.get("Statistic", "Average"),
            period=before.get("Period", 300),
            description=before.get("AlarmDescription"),
            at=self.now,
            account=self.account.account_id,
            region=self.account.region,
        )
        return self._results(
            [self._invoke_async(w, event, self.now) for w in self._wires_for("alarm", alarm)]
        )

    def publish(
        self, *, topic: str, message: str | dict, subject: str | None = None
    ) -> list[TriggerRecord]:
        event = events.sns_publish_from_mock(
            self.account, topic=topic, message=message, subject=subject
        )
        futures = [self._invoke_async(w, event, self.now) for w in self._wires_for("sns", topic)]
        return self._results(futures) + self.pump()

    # ------------------------------------------------------------------- chains and polls

    def pump(self) -> list[TriggerRecord]:
        """Deliver what is waiting on polled sources and what handlers changed, until quiet."""
        out: list[TriggerRecord] = []
        for _ in range(MAX_CHAIN):
            batch = self._poll_streams() + self._poll_queues() + self._s3_changes()
            if not batch:
                break
            out += batch
        return out

    def wait(self, timeout: float = 300) -> list[TriggerRecord]:
        """Block until every queued async invocation (and its retries) is done."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [f for f in self._pending if not f.done()]
            if not pending:
                return list(self.records)
            pending[0].result(timeout=max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        self.wait()
        self._pool.shutdown(wait=True)

    def _wires_for_kind(self, kind: str) -> list[_Wire]:
        return [w for w in self._wires if w.kind == kind]

    def _poll_streams(self) -> list[TriggerRecord]:
        out = []
        for wire in self._wires_for_kind("dynamodb"):
            records = wire.state.read()
            size = wire.options["batch_size"]
            for start in range(0, len(records), size):
                event = events.dynamodb_event(records[start : start + size])
                out.append(self._invoke(wire, event, attempt=1))
        return out

    def _poll_queues(self) -> list[TriggerRecord]:
        out = []
        for wire in self._wires_for_kind("sqs"):
            event = events.sqs_batch_from_mock(
                self.account, queue=wire.source, batch_size=wire.options["batch_size"]
            )
            if event is None:
                continue
            record = self._invoke(wire, event, attempt=1)
            out.append(record)
            if record.status == "success":  # a failed batch becomes visible again later
                sources.delete_batch(self.account, wire.source, event)
        return out

    def _s3_changes(self) -> list[TriggerRecord]:
        """Objects that handlers created in notified buckets since we last looked."""
        futures = []
        for bucket, seen in list(self._s3_seen.items()):
            now = sources.s3_listing(self.account, bucket)
            self._s3_seen[bucket] = now
            for key, event in sources.s3_new_objects(self.account, bucket, seen, now, self.now):
                futures += self._s3_futures(bucket, key, "ObjectCreated:Put", event)
        return self._results(futures)

    # ------------------------------------------------------------------------ delivery

    def _deliver_s3(self, bucket: str, key: str, name: str, event: dict) -> list[TriggerRecord]:
        return self._results(self._s3_futures(bucket, key, name, event)) + self.pump()

    def _s3_futures(self, bucket: str, key: str, name: str, event: dict) -> list[Future]:
        return [
            self._invoke_async(w, event, self.now)
            for w in self._wires_for("s3", bucket)
            if _s3_matches(w.options, key, name)
        ]

    def _results(self, futures: list[Future]) -> list[TriggerRecord]:
        # Async sources return once the first attempt is done; retries carry on in the pool.
        return [f.result() for f in futures]

    def _invoke_async(self, wire: _Wire, event: dict, at: datetime) -> Future:
        first: Future = Future()

        def attempts() -> None:
            try:
                for attempt in range(1, ASYNC_RETRIES + 2):
                    record = self._invoke(wire, event, attempt=attempt)
                    if attempt == 1:
                        first.set_result(record)
                    if record.status == "success" or attempt > len(self.retry_delays):
                        return
                    time.sleep(self.retry_delays[attempt - 1])
            except Exception as exc:  # surface infrastructure failures to the caller
                if not first.done():
                    first.set_exception(exc)
                raise

        job = self._pool.submit(attempts)
        with self._lock:
            self._pending.append(job)
        return first

    def _invoke(self, wire: _Wire, event: dict, *, attempt: int) -> TriggerRecord:
        inv = self.runtime.invoke(
            self.functions[wire.function], event, owner=self.owner, cold=False, aws=self.account
        )
        record = TriggerRecord(
            kind=wire.kind,
            source=wire.source,
            function=wire.function,
            event=event,
            attempt=attempt,
            invocation=inv.to_dict(),
            at=self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        with self._lock:
            self.records.append(record)
        return record

    def __enter__(self) -> Triggers:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _s3_matches(options: dict[str, Any], key: str, event_name: str) -> bool:
    if not (key.startswith(options["prefix"]) and key.endswith(options["suffix"])):
        return False
    return any(fnmatch.fnmatchcase(f"s3:{event_name}", pattern) for pattern in options["events"])
