-- consume_view.lua: consumes one view of a secret, all checks in one atomic step.
--
-- KEYS[1]  the secret's hash key, "zkshare:secret:{<id>}"
-- ARGV[1]  now, Unix time in milliseconds
-- ARGV[2]  the presented digest (lowercase hex of SHA-256(verifier) or Argon2id(password)),
--          or "" when no password was presented
-- ARGV[3]  failures after which the secret is destroyed; "0" = never
-- ARGV[4]  "1" if the viewer may open secrets whose accessType is not "anyone", else "0"
--
-- Checks, in order: exists, not expired (expiresAt <= now: deleted), views left (0: deleted),
-- accessType vs ARGV[4], password (field vdig), then consumes.
--
-- Returns one of:
--   {"not_found"}                              unknown, expired or used up (one answer for all)
--   {"restricted", accessType}                 accessType is not "anyone" and ARGV[4] is "0"
--   {"password_required", failures, destroyed}
--                                              vdig is set and ARGV[2] is "": counted exactly
--                                              like invalid_credentials below
--   {"invalid_credentials", failures, destroyed}
--                                              ARGV[2] differs from vdig: the field "failures"
--                                              is incremented; when it reaches ARGV[3] (> 0)
--                                              the key is deleted and destroyed is "1", else "0"
--   {"granted", envelope, viewsBefore, header, name, accessType, createdAt, expiresAt,
--    views, lastViewedAt, vdig, pwsalt}
--                                              one view consumed: views ("-1" = unlimited) is
--                                              decremented, lastViewedAt set to ARGV[1]; the key
--                                              is deleted when views reaches 0. viewsBefore is
--                                              the count before this view; the fields after it
--                                              are as after this view (missing ones are nil).
local key = KEYS[1]
local now = tonumber(ARGV[1])
local presented = ARGV[2]
local limit = tonumber(ARGV[3])
local f = redis.call('HMGET', key, 'header', 'name', 'accessType', 'createdAt', 'expiresAt',
  'views', 'lastViewedAt', 'vdig', 'pwsalt')
if not f[1] then
  return {'not_found'}
end
local expires_at = tonumber(f[5])
if expires_at == nil or expires_at <= now then
  redis.call('DEL', key)
  return {'not_found'}
end
local views = tonumber(f[6]) or -1
if views == 0 then
  redis.call('DEL', key)
  return {'not_found'}
end
if f[3] ~= 'anyone' and ARGV[4] ~= '1' then
  return {'restricted', f[3]}
end
if f[8] and f[8] ~= '' and presented ~= f[8] then
  -- A missing proof counts like a wrong one: either way the caller cannot open the secret.
  local failures = redis.call('HINCRBY', key, 'failures', 1)
  local destroyed = '0'
  if limit > 0 and failures >= limit then
    redis.call('DEL', key)
    destroyed = '1'
  end
  local status = 'invalid_credentials'
  if presented == '' then
    status = 'password_required'
  end
  return {status, tostring(failures), destroyed}
end
local envelope = redis.call('HGET', key, 'envelope')
local after = views
if views > 0 then
  after = views - 1
end
if after == 0 then
  redis.call('DEL', key)
else
  redis.call('HSET', key, 'views', tostring(after), 'lastViewedAt', ARGV[1])
end
return {'granted', envelope, tostring(views), f[1], f[2], f[3], f[4], f[5], tostring(after),
  ARGV[1], f[8], f[9]}
