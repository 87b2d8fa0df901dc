require "sinatra/base"
require "logger"

class App < Sinatra::Base
  REDIS_URL = ENV.fetch("REDIS_URL", "redis://localhost:6379")
  LOG = Logger.new("log/production.log")
  @@sessions = {}

  post "/upload" do
    File.write("uploads/#{params[:name]}", request.body.read)
    `curl -s https://hooks.example.org/done`
    201
  end
end
