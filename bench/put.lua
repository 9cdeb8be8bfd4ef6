-- wrk script for bench/load.sh: PUT a 64 KiB body (the Authorization header and the ?path= come from the command line).
wrk.method = "PUT"
wrk.body = string.rep("0123456789abcdef", 4096) -- 65,536 bytes
wrk.headers["Content-Type"] = "application/octet-stream"
