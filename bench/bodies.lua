-- wrk script: POST the pre-signed bodies of a file (one JSON body per line) in turn.
-- Usage: wrk -t T -s bench/bodies.lua URL -- BODIES_FILE MERCHANT_NO T
-- Thread i sends lines i, i+T, i+2T... so no body is sent twice while the file lasts;
-- done() prints one JSON line of figures for bench/throughput.py.
local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

function init(args)
   bodies = {}
   for line in io.lines(args[1]) do
      bodies[#bodies + 1] = line
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["merchantNo"] = args[2]
   step = tonumber(args[3])
   index = id
end

function request()
   local body = bodies[(index % #bodies) + 1]
   index = index + step
   return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      '{"requests":%d,"duration_us":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,'
      .. '"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
      summary.requests, summary.duration, e.connect, e.read, e.write,
      e.status, e.timeout, latency:percentile(50), latency:percentile(99), latency.max))
end
