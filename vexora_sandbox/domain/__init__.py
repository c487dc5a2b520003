"""The sandbox's state: plain, synchronous Python that never imports aiohttp."""
