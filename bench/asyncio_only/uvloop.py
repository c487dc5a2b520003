"""On PYTHONPATH, hides an installed uvloop: bench/throughput.py's ``asyncio loop`` rows."""

raise ImportError("uvloop hidden by bench/asyncio_only")
