-- delete_secret.lua: deletes a secret if the presented delete-token digest matches.
--
-- The secret is one string in the packed layout of server/src/store/record.rs. Its offsets
-- (OFF_*, FIXED_LEN and the other capitalised names) are put in as Lua locals after this
-- comment, from record.rs's constants, when the server compiles the script in
-- (server/src/store/redis/script.rs); 0-based (Lua's string functions add 1). The steps are
-- those of server/src/store/rules.rs, held equal by server/tests/rules_vs_lua.rs.
--
-- KEYS[1]  the secret's key, "zkshare:s1:{<id>}"
-- ARGV[1]  now, Unix time in milliseconds (an expired secret counts as missing and is deleted)
-- ARGV[2]  with ARGV[3] "token": SHA-256 of the presented delete token, 32 raw bytes; with
--          "owner": the caller as an owner, 33 raw bytes (creator kind, organization UUID,
--          creator UUID), compared with the record's owner segment (flag bit 1)
-- ARGV[3]  "token" or "owner"
--
-- Returns one of:
--   {"not_found"}                              unknown, expired or without views left (then
--                                              deleted)
--   {"forbidden"}                              ARGV[2] differs from the stored digest (or
--                                              owner; a record without owner matches no owner);
--                                              nothing is changed
--   {"deleted", metadata}                      deleted; the record's metadata prefix (fixed
--                                              part, header, name, owner when flag bit 1 is
--                                              set, recipients' count when bit 2 is: no
--                                              envelope body) as it was
--   error "ERR zkshare: unknown record layout" the value is not a layout-1 record

local key = KEYS[1]
local now = tonumber(ARGV[1])
local r = redis.call('GETRANGE', key, 0, FIXED_LEN - 1)
if r == '' then
  return {'not_found'}
end
if string.byte(r, 1) ~= LAYOUT_VERSION or #r < FIXED_LEN then
  return redis.error_reply('ERR zkshare: unknown record layout')
end
if struct.unpack('>i8', r, OFF_EXPIRES_AT + 1) <= now
    or struct.unpack('>I4', r, OFF_VIEWS + 1) == 0 then
  redis.call('DEL', key)
  return {'not_found'}
end
local flags = string.byte(r, OFF_FLAGS + 1)
local owned = math.floor(flags / FLAG_OWNER) % 2 == 1
local owner_at = FIXED_LEN + string.byte(r, OFF_HEADER_LEN + 1) + string.byte(r, OFF_NAME_LEN + 1)
local meta_len = owner_at
if owned then
  meta_len = meta_len + OWNER_LEN
end
if math.floor(flags / FLAG_RECIPIENTS) % 2 == 1 then
  meta_len = meta_len + 1
end
local meta = redis.call('GETRANGE', key, 0, meta_len - 1)
if ARGV[3] == 'owner' then
  if not owned or string.sub(meta, owner_at + 1, owner_at + OWNER_LEN) ~= ARGV[2] then
    return {'forbidden'}
  end
elseif string.sub(r, OFF_DELETE_DIGEST + 1, OFF_DELETE_DIGEST + 32) ~= ARGV[2] then
  return {'forbidden'}
end
redis.call('DEL', key)
return {'deleted', meta}
