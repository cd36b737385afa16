-- Headless Neovim (0.7+) with its built-in LSP client attached to `cors-lint lsp`; prints what it received.
local bin = os.getenv('CORS_LINT_BIN')
local root = os.getenv('WORKSPACE')
local file = root .. '/api.conf'
vim.cmd('edit ' .. file)
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = 'cors-lint',
  cmd = { 'node', bin, 'lsp', '--stdio' },
  root_dir = root,
})
vim.lsp.buf_attach_client(bufnr, client_id)
local ok = vim.wait(10000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
local out = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(out, string.format('%d:%d %s %s', d.lnum + 1, d.col + 1, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?', d.severity))
end
table.sort(out)
io.stdout:write((ok and 'OK' or 'TIMEOUT') .. '\n' .. table.concat(out, '\n') .. '\n')
vim.lsp.stop_client(client_id, true)
vim.cmd('qa!')
