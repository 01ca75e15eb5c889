-- create_secret.lua: stores a new secret as one hash, unless its key already exists.
--
-- KEYS[1]   the secret's hash key, "zkshare:secret:{<id>}"
-- ARGV[1]   expiresAt, Unix time in milliseconds: the key expires then (PEXPIREAT)
-- ARGV[2..] field, value, field, value, ... of the hash (at least one pair)
--
-- Returns:
--   1                 created, expiry set
--   0                 the key already existed; nothing was changed
--   error reply       "ERR field arguments must come in pairs" when ARGV[2..] is not pairs
if (#ARGV - 1) < 2 or (#ARGV - 1) % 2 ~= 0 then
  return redis.error_reply('ERR field arguments must come in pairs')
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
