"""pandas' count of events by type: count_events.py FOLDER prints {type: count} as JSON,
from every hourly file of `pardata prep --events` read with read_json(lines=True)."""
import glob
import json
import os
import sys

import pandas as pd

files = sorted(glob.glob(os.path.join(sys.argv[1], "*.json")))
assert len(files) == 24, files
events = pd.concat([pd.read_json(f, lines=True, dtype={"id": str}) for f in files], ignore_index=True)
assert events["id"].is_unique
assert isinstance(events["payload"].iloc[0], dict) and isinstance(events["actor"].iloc[0], dict)
print(json.dumps({k: int(v) for k, v in events["type"].value_counts().items()}))
