-- consume_view.lua: consumes one view of a secret, all checks in one atomic step.
--
-- The secret is one string in the packed layout of server/src/store/record.rs. Its offsets
-- (OFF_*, FIXED_LEN and the other capitalised names) are not written here: the server puts
-- them in as Lua locals after this comment, from record.rs's constants, when it compiles the
-- script in (server/src/store/redis/script.rs). They are 0-based as SETRANGE takes them (Lua's
-- string functions add 1). The steps are those of server/src/store/rules.rs, and the test
-- server/tests/rules_vs_lua.rs holds the two equal.
--
-- KEYS[1]  the secret's key, "zkshare:s1:{<id>}"
-- ARGV[1]  now, Unix time in milliseconds
-- ARGV[2]  the presented digest, 32 raw bytes (SHA-256 of a verifier or Argon2id of a
--          password), or "" when no password was presented
-- ARGV[3]  failures after which the secret is destroyed; "0" = never
-- ARGV[4]  the viewer's organization id, 16 raw bytes (its UUID), or "" when the viewer is in
--          none
-- ARGV[5]  the digest of the viewer's verified address for this secret (store::recipient_digest),
--          32 raw bytes, or ""
-- ARGV[6]  SHA-256 of the recipient token the viewer presented, 32 raw bytes, or ""
--
-- Checks, in order: exists, not expired (expiresAt <= now: deleted), views left (0: deleted),
-- access type vs ARGV[4] (rules::may_view: an organization secret needs an owner segment,
-- flag bit 1 of the flags byte, whose organization bytes at FIXED_LEN + H + N + 1 equal
-- ARGV[4]), recipients (flag bit 2: ARGV[6] equals one of the token digests, flag bit 3, or
-- ARGV[5] one of the address digests), password, then consumes.
--
-- Every refusal of a live secret ends with `meta`: the record's metadata prefix (fixed part as
-- after this step, header, name, owner, recipients' count).
--
-- Returns one of:
--   {"not_found"}                              unknown, expired or used up (one answer for all)
--   {"restricted", rule, meta}                 rule "organization": the access type is not
--                                              anyone and ARGV[4] is not the owner's
--                                              organization (or the record has no owner); rule
--                                              "emails": the viewer is no recipient; nothing is
--                                              changed
--   {"password_required", failures, destroyed, meta}
--                                              a password is set and ARGV[2] is "": counted
--                                              exactly like invalid_credentials below
--   {"invalid_credentials", failures, destroyed, meta}
--                                              ARGV[2] differs from the stored digest. Where a
--                                              guess can succeed (a plain password, or an
--                                              envelope mode other than key) the failure
--                                              counter is incremented; when it reaches ARGV[3]
--                                              (> 0) the key is deleted and destroyed is "1",
--                                              else "0". A key-mode secret with a verifier is
--                                              left unchanged (failures as stored, "0").
--   {"granted", record}                        one view consumed: the record as after this view
--                                              (views left decremented unless unlimited,
--                                              lastViewedAt = ARGV[1]); the key is deleted when
--                                              no views are left
--   error "ERR zkshare: unknown record layout" the value is not a layout-1 record

local key = KEYS[1]
local now = tonumber(ARGV[1])
local presented = ARGV[2]
local limit = tonumber(ARGV[3])
local r = redis.call('GET', key)
if not r then
  return {'not_found'}
end
if string.byte(r, 1) ~= LAYOUT_VERSION or #r < FIXED_LEN then
  return redis.error_reply('ERR zkshare: unknown record layout')
end
if struct.unpack('>i8', r, OFF_EXPIRES_AT + 1) <= now then
  redis.call('DEL', key)
  return {'not_found'}
end
local views = struct.unpack('>I4', r, OFF_VIEWS + 1)
if views == 0 then
  redis.call('DEL', key)
  return {'not_found'}
end
-- Flag bits as booleans (Lua 5.1 has no bit operators); no closures on this path: each would
-- be allocated on every call.
local flags = string.byte(r, OFF_FLAGS + 1)
local owned = flags % (2 * FLAG_OWNER) >= FLAG_OWNER
local has_recipients = flags % (2 * FLAG_RECIPIENTS) >= FLAG_RECIPIENTS
-- The owner segment follows the header and the name; the recipients follow the owner.
local owner_at = FIXED_LEN + string.byte(r, OFF_HEADER_LEN + 1) + string.byte(r, OFF_NAME_LEN + 1)
local meta_len = owner_at
if owned then
  meta_len = meta_len + OWNER_LEN
end
if has_recipients then
  meta_len = meta_len + 1
end
if string.byte(r, OFF_ACCESS + 1) ~= 0 then
  -- The organization follows the owner's kind byte.
  if not owned or ARGV[4] == '' or string.sub(r, owner_at + 2, owner_at + 17) ~= ARGV[4] then
    return {'restricted', 'organization', string.sub(r, 1, meta_len)}
  end
end
if has_recipients then
  local n = string.byte(r, meta_len)
  local function listed(start, digest)
    if digest == '' then
      return false
    end
    for i = 0, n - 1 do
      if string.sub(r, start + 32 * i + 1, start + 32 * i + 32) == digest then
        return true
      end
    end
    return false
  end
  local external = flags % (2 * FLAG_EXTERNAL) >= FLAG_EXTERNAL
  local admitted = (external and listed(meta_len + 32 * n, ARGV[6])) or listed(meta_len, ARGV[5])
  if not admitted then
    return {'restricted', 'emails', string.sub(r, 1, meta_len)}
  end
end
if string.byte(r, OFF_PASSWORD + 1) ~= PASSWORD_NONE
    and presented ~= string.sub(r, OFF_PASSWORD_DIGEST + 1, OFF_PASSWORD_DIGEST + 32) then
  -- Only where guessing can succeed is a failure counted (rules::counts_failures): a key-mode
  -- verifier carries 256 bits, and counting would let anyone with the id destroy the secret.
  -- A missing proof counts like a wrong one: either way the caller cannot open the secret.
  local failures = struct.unpack('>I4', r, OFF_FAILURES + 1)
  local counted = string.byte(r, OFF_PASSWORD + 1) == PASSWORD_PLAIN
      or string.byte(r, OFF_ENVELOPE_MODE + 1) ~= ENVELOPE_MODE_KEY
  local destroyed = '0'
  if counted then
    failures = math.min(failures + 1, 4294967295)
    if limit > 0 and failures >= limit then
      redis.call('DEL', key)
      destroyed = '1'
    else
      redis.call('SETRANGE', key, OFF_FAILURES, struct.pack('>I4', failures))
    end
    r = string.sub(r, 1, OFF_FAILURES) .. struct.pack('>I4', failures)
        .. string.sub(r, OFF_FAILURES + 5, meta_len)
  end
  local status = 'invalid_credentials'
  if presented == '' then
    status = 'password_required'
  end
  return {status, tostring(failures), destroyed, string.sub(r, 1, meta_len)}
end
local after = views
if views ~= UNLIMITED_VIEWS then
  after = views - 1
end
-- lastViewedAt and views left are adjacent: one in-place write.
local update = struct.pack('>i8>I4', now, after)
if after == 0 then
  redis.call('DEL', key)
else
  redis.call('SETRANGE', key, OFF_LAST_VIEWED_AT, update)
end
return {'granted', string.sub(r, 1, OFF_LAST_VIEWED_AT) .. update .. string.sub(r, OFF_FAILURES + 1)}
