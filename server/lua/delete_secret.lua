-- delete_secret.lua: deletes a secret if the presented delete-token digest matches.
--
-- KEYS[1]  the secret's hash key, "zkshare:secret:{<id>}"
-- ARGV[1]  now, Unix time in milliseconds (an expired secret counts as missing and is deleted)
-- ARGV[2]  lowercase hex SHA-256 of the presented delete token
--
-- Returns one of:
--   {"not_found"}     unknown or expired
--   {"forbidden"}     ARGV[2] differs from the stored field dtok; nothing is changed
--   {"deleted", header, name, accessType, createdAt, expiresAt, views, lastViewedAt, vdig,
--    pwsalt}          deleted; the fields as they were (missing ones are nil)
local key = KEYS[1]
local now = tonumber(ARGV[1])
local f = redis.call('HMGET', key, 'header', 'name', 'accessType', 'createdAt', 'expiresAt',
  'views', 'lastViewedAt', 'vdig', 'pwsalt', 'dtok')
if not f[1] then
  return {'not_found'}
end
local expires_at = tonumber(f[5])
if expires_at == nil or expires_at <= now then
  redis.call('DEL', key)
  return {'not_found'}
end
if f[10] ~= ARGV[2] then
  return {'forbidden'}
end
redis.call('DEL', key)
return {'deleted', f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]}
