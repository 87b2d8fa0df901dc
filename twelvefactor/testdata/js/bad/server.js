const express = require('express');
const session = require('express-session');
const multer = require('multer');
const fs = require('fs');
const { exec } = require('child_process');

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET, resave: false }));
const upload = multer({ dest: 'uploads/' });
const log = fs.createWriteStream('app.log', { flags: 'a' });
const redisUrl = process.env.REDIS_URL || 'redis://localhost:6379';
const stripeKey = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';

app.post('/upload', upload.single('file'), (req, res) => {
  exec('curl -X POST https://hooks.example.org/done');
  log.write('uploaded\n');
  res.sendStatus(201);
});

app.listen(3000);
