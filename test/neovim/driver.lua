-- Runs after the README's Neovim snippet (test/neovim.test.ts puts both in one init.lua): once
-- startup is over (filetype detection is switched on after init.lua), opens an nginx file, waits
-- for cors-lint's diagnostics, prints them, and quits.
vim.api.nvim_create_autocmd('VimEnter', {
  nested = true,
  callback = function()
    vim.cmd('edit ' .. os.getenv('WORKSPACE') .. '/nginx/api.conf')
    local bufnr = vim.api.nvim_get_current_buf()
    local ok = vim.wait(20000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(bufnr)) do
      table.insert(out, string.format('%d:%d %s %s', d.lnum + 1, d.col + 1, d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or '?', d.severity))
    end
    table.sort(out)
    io.stdout:write((ok and 'OK' or 'TIMEOUT') .. ' ' .. vim.bo.filetype .. '\n' .. table.concat(out, '\n') .. '\n')
    for _, client in pairs(vim.lsp.get_active_clients()) do client.stop(true) end
    vim.cmd('qa!')
  end,
})
