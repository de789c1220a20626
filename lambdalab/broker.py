"""A server-less Celery transport: kombu's filesystem transport without its write race.

Stock ``filesystem://`` creates ``*.msg`` first and writes into it afterwards, so a consumer can
claim an empty file, fail to decode it and take the whole worker down (celery/kombu#1551). Here a
message is written to a temporary name and renamed into place, a claim is an atomic rename inside
the queue folder, and a message that cannot be decoded is logged and set aside, never fatal.
"""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        folder = Path(self.data_folder_out)
        temporary = folder / f".tmp-{uuid.uuid4()}"
        final = folder / f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        temporary.write_bytes(dumps(payload).encode())
        os.replace(temporary, final)

    def _get(self, queue):
        folder = Path(self.data_folder_in)
        claimed = folder / ".claimed"
        claimed.mkdir(exist_ok=True)
        suffix = f".{queue}.msg"
        for name in sorted(os.listdir(folder)):
            if not name.endswith(suffix) or name.partition(".")[2] != suffix[1:]:
                continue
            target = claimed / f"{os.getpid()}-{name}"
            try:
                os.rename(folder / name, target)
            except OSError:
                continue  # another consumer claimed it first
            raw = target.read_bytes()
            try:
                message = loads(raw)
            except ValueError:
                logger.error("Dropping undecodable message file %s (%d bytes)", name, len(raw))
                target.rename(claimed / f"undecodable-{name}")
                continue
            target.unlink()
            return message
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES["safefs"] = "lambdalab.broker:Transport"
