const express = require('express');

const app = express();
const allowed = ['https://a.example.com', 'https://b.example.com'];

app.use((req, res, next) => {
  const origin = req.headers.origin;
  if (allowed.includes(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.vary('Origin');
  }
  next();
});
