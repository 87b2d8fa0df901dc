require "sinatra/base"
require "logger"

class App < Sinatra::Base
  REDIS_URL = ENV.fetch("REDIS_URL")
  LOG = Logger.new($stdout)

  get "/health" do
    "ok"
  end
end

Signal.trap("TERM") { exit }
