-- POST a BUY of 1 share, each with its own Idempotency-Key, rotating over the stocks.
-- Expects from the prelude: request_path, token, key_prefix, executed_at, stock_ids.

local counter = 0
local headers = nil

function request()
  if headers == nil then
    headers = {
      ["Content-Type"] = "application/json",
      ["Authorization"] = "Bearer " .. token,
    }
  end
  counter = counter + 1
  local stock_id = stock_ids[(counter + thread_id) % #stock_ids + 1]
  headers["Idempotency-Key"] = string.format("%s-%d-%d", key_prefix, thread_id, counter)
  local body = string.format(
    '{"type": "BUY", "stock_id": "%s", "quantity": "1", "price": "100.00", '
      .. '"fee": "1.00", "executed_at": "%s"}',
    stock_id, executed_at)
  return wrk.format("POST", request_path, headers, body)
end
