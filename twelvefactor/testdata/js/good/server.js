const express = require('express');
const session = require('express-session');
const RedisStore = require('connect-redis').default;
const { createClient } = require('redis');

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) throw new Error('REDIS_URL is required');
const client = createClient({ url: redisUrl });
const app = express();
app.use(session({ store: new RedisStore({ client }), secret: process.env.SESSION_SECRET, resave: false }));
app.get('/health', (req, res) => res.sendStatus(200));

const server = app.listen(process.env.PORT);
process.on('SIGTERM', () => server.close(() => client.quit()));
