"""Redis adapters (redis-py asyncio, hiredis) for every port but the notice repository.

This package alone knows key names, codecs and Lua scripts, and turns `redis.exceptions`
into `ports.errors`.
"""
